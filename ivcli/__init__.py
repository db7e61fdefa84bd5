"""ivcli: run an Independent Visitor scheme from the command line."""

__version__ = "0.1.0"
