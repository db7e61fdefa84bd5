"""Volunteers: the record as it arrives, intake, the safer-recruitment pipeline and compliance.

Services take one Core Connection; no Typer, no Rich, no printing. This file stays empty:
importing any module of the package runs it.
"""
