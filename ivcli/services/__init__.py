"""The domain: screening, compliance, matching, reports.

Services take one Core Connection; no Typer, no Rich, no printing.
"""
