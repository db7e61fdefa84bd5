"""The domain: screening, compliance, matching, reports.

Services take a Session; no Typer, no Rich, no printing.
"""
