"""Reports: the monthly and annual figures, and ``ivcli today``'s agenda.

Services take one Core Connection; no Typer, no Rich, no printing. This file stays empty:
importing any module of the package runs it.
"""
