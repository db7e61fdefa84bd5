"""Portable SQL (issue 11, points 1 and 2): raw sqlite3 and SQLite-only SQL live only in
``ivcli.db``, ``ivcli.dialect`` (and ``ivcli.migrations``, which run on sqlite3 until the
PostgreSQL issue); every other module's SQL runs on SQLite and PostgreSQL alike.

A source scan: the string literals of each module (docstrings left out; adjacent literals and
f-strings joined, each ``{...}`` standing for a value) are searched for SQLite-only functions
and keywords and ``?`` placeholders; the code for ``import sqlite3``, ``sqlite3.`` names,
``dbapi(...)`` and ``exec_driver_sql``."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

import ivcli
from ivcli import dialect
from ivcli.parsing import age_on, latest_birth_date

PACKAGE = Path(ivcli.__file__).resolve().parent
ALLOWED = {"db.py", "dialect.py", "migrations.py"}
# Left to their owners, each to be removed when its branch lands (none left).
PENDING: set[str] = set()

SQLITE_ONLY = re.compile(
    r"\b(?:julianday|strftime|printf|instr|char|json_\w+|datetime|unixepoch|ifnull"
    r"|group_concat|total_changes|last_insert_rowid|changes|randomblob|zeroblob|glob"
    r"|sqlite_\w+)\s*\("
    r"|\bINSERT\s+OR\s+\w+|\bREPLACE\s+INTO\b|\bTEMP(?:ORARY)?\s+TABLE\b|\btemp\.\w"
    r"|\bPRAGMA\b|\bsqlite_(?:master|schema|sequence)\b|\bAS\s+BLOB\b|\bWITHOUT\s+ROWID\b"
    r"|\bdate\s*\(\s*'now'|\bdatetime\s*\(",
    re.IGNORECASE,
)
SQL = re.compile(r"\b(?:SELECT|INSERT INTO|UPDATE|DELETE FROM|VALUES|WHERE)\b")
QMARK = re.compile(r"(?:[(,=<>]|\bIN|\bAND|\bOR|\bLIMIT|\bOFFSET|\bTHEN|\bELSE)\s*\?")


def _docstrings(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def problems(source: str) -> list[str]:
    """What a module's source has that only SQLite or raw sqlite3 runs (line: what)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found: list[str] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if id(node) in skip or id(node) in inner:
            continue
        text = _literal(node)
        if text is not None:
            for m in SQLITE_ONLY.finditer(text):
                found.append(f"{line}: SQLite-only SQL {m.group(0)!r}")
            if SQL.search(text) and QMARK.search(text):
                found.append(f"{line}: a ? placeholder (use :name)")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n == "sqlite3" or n.startswith("sqlite3.") for n in names):
                found.append(f"{line}: imports sqlite3")
            if isinstance(node, ast.ImportFrom) and any(a.name == "dbapi" for a in node.names):
                found.append(f"{line}: imports dbapi")
        elif isinstance(node, ast.Attribute) and node.attr in ("sqlite3", "exec_driver_sql"):
            found.append(f"{line}: uses {node.attr}")
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name == "dbapi":
                found.append(f"{line}: calls dbapi()")
    return sorted(set(found), key=lambda s: int(s.split(":")[0]))


def scanned() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py"))
            if p.name not in ALLOWED and str(p.relative_to(PACKAGE)) not in PENDING]


def test_sqlite_only_sql_and_raw_sqlite3_stay_in_db_and_dialect():
    found = {str(p.relative_to(PACKAGE)): problems(p.read_text(encoding="utf-8"))
             for p in scanned()}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("snippet", [
    'x = "SELECT julianday(:d) FROM t"',
    'x = "SELECT strftime(\'%Y\', d) FROM t"',
    'x = "INSERT OR IGNORE INTO t (a) VALUES (:a)"',
    'x = f"SELECT printf(\'%d\', {n})"',
    'x = "CREATE TEMP TABLE s (a)"',
    'x = "DROP TABLE temp.s"',
    'x = "PRAGMA table_info(t)"',
    'x = "SELECT name FROM sqlite_master"',
    'x = ("SELECT a FROM t "\n     "WHERE id = ?")',
    'x = "SELECT json_valid(p), instr(a, char(92)) FROM t"',
    'x = "SELECT length(CAST(a AS BLOB)) FROM t"',
    "import sqlite3",
    "from ivcli.db import dbapi",
    "raw = db.dbapi(conn)",
    "conn.exec_driver_sql('SELECT 1')",
    "errors = (db.sqlite3.DatabaseError, OSError)",
])
def test_the_scan_finds(snippet):
    assert problems(snippet), snippet


@pytest.mark.parametrize("snippet", [
    'x = "SELECT id FROM t WHERE d <= :on AND a IN :ids"',
    'label = d.strftime("%Y-%m")',
    'x = "Replace the file?"',
    '"""PRAGMA integrity_check, in a docstring."""',
    'x = "WITH a AS MATERIALIZED (SELECT 1) SELECT * FROM a"',
])
def test_the_scan_leaves_alone(snippet):
    assert problems(snippet) == [], snippet


def test_the_scan_found_the_sqlite_only_code_before_the_change():
    """The code as it was (commit 9863a1e): audit.py's dbapi() calls, the age SQL's strftime,
    the matching prefilter's json_* and the checks' PRAGMAs were all found."""
    before = {
        "audit": "import sqlite3\nfrom ivcli.db import dbapi, now\n"
                 "def head(conn):\n    raw = dbapi(conn)\n"
                 "    raw.executemany('INSERT INTO audit_log (at) VALUES (?)', rows)\n",
        "parsing": "def age_sql(d, on):\n    return (f\"(CAST(strftime('%Y', {on}) AS INTEGER)\")",
        "matching": "x = ' WHEN NOT json_valid(v.profile) THEN 1'",
        "safety": 'x = "PRAGMA integrity_check"',
    }
    for name, source in before.items():
        assert problems(source), name


# ---------------------------------------------------------------------------------------------
# What replaced SQLite-only SQL


def test_ages_by_latest_birth_date_agree_with_age_on_around_29_february():
    """Report age bands compare dates of birth with ``latest_birth_date`` (ISO dates, portable)
    where they used SQLite's strftime: the same ages as ``age_on`` on every day around 29
    February."""
    births = [date(y, m, d) for y in (2000, 2003, 2004, 2007, 2008) for m, d in
              ((2, 27), (2, 28), (2, 29), (3, 1), (3, 2)) if not (m == 2 and d == 29 and y % 4)]
    ons = [date(y, 2, 26) + timedelta(days=i) for y in range(2011, 2046) for i in range(6)]
    for n in (0, 1, 4, 5, 10, 16, 18):
        for on in ons:
            bound = latest_birth_date(on, n)
            for born in births:
                assert (born <= bound) == (age_on(born, on) >= n), (born, on, n)


def test_dialect_ends_with_the_bulk_import_section():
    """The bulk import's own SQLite section is the last of ivcli/dialect.py: nothing after its
    marker line starts another section, and the referral import's fast path is defined there."""
    lines = Path(dialect.__file__).read_text(encoding="utf-8").rstrip().splitlines()
    at = lines.index("# Bulk import (SQLite)")
    assert not any(line.startswith("# ---") for line in lines[at:])
    bulk = ("bulk_load_begin", "create_stage", "stage_rows", "index_stage", "drop_stage",
            "drop_secondary_indexes", "create_indexes")
    for name in bulk:
        assert getattr(dialect, name).__code__.co_firstlineno > at, name
