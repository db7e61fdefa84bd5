"""Referrals: the record as it arrives, intake, screening and decisions.

Services take one Core Connection; no Typer, no Rich, no printing. This file stays empty:
importing any module of the package runs it.
"""
