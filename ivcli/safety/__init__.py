"""The safety of the record: the audit trail, data-protection duties (subject access, erasure,
retention) and ``ivcli check``.

Services take one Core Connection; no Typer, no Rich, no printing. This file stays empty:
importing any module of the package runs it.
"""
