"""Streaming CSV import: encodings, delimiters, header mapping, UK dates, row validation."""
