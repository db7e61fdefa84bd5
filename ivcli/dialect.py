"""What only SQLite has, in one place (with ``ivcli.db``, which opens the database).

Every other module writes SQL that runs on SQLite and PostgreSQL alike: named parameters, ISO
dates passed as parameters, no ``julianday``/``strftime``/``INSERT OR IGNORE``/``printf``/temp
tables/``json_*``. Where SQLite-only SQL or a raw sqlite3 feature earns its place (speed, the
audit trail's authorizer), it lives here, behind a function named for what it does, so that a
second dialect (PostgreSQL, issue 17) has one module to answer.
"""

from __future__ import annotations
