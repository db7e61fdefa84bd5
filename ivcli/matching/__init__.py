"""Matching: the profiles of both sides, suggestions within hard rules, and the match life cycle.

Services take one Core Connection; no Typer, no Rich, no printing. This file stays empty:
importing any module of the package runs it.
"""
