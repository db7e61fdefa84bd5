"""The domain: screening, compliance, matching, reports. Takes a Session; no Typer, Rich or printing."""
