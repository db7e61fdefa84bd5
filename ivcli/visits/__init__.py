"""Visits and what follows them: the visit log and sheets, concerns, and match reviews.

Services take one Core Connection; no Typer, no Rich, no printing. This file stays empty:
importing any module of the package runs it.
"""
