"""The command line: one Typer sub-app per command group. Thin: parse, call a service, render."""
