"""Team mode: the same commands on PostgreSQL (a local server, Unix socket) against SQLite.

Targets (issue 17): on the large benchmark scheme (large_scheme.py: 10,000 young people, 8,000
volunteers, 6,000 matches, 500,000 visits), `ivcli today` and `ivcli report monthly` on
PostgreSQL take at most 1.5x their time on the SQLite file; `ivcli referral import` of 100,000
rows into an empty PostgreSQL database at most 1.5x the same import into an empty file. All
measured side by side in one run (best of N, interleaved), and each command's output checked
to be the same on both.

    python benchmarks/bench_team.py [--runs 7] [--rows 100000] [--repeat 3] [--db big.db]

The server: the one IVCLI_TEST_PG names (its superuser; the durability settings it runs with
are printed), else one started for the run with `.ci/pg-start` keeping PostgreSQL's default
durability (PG_DURABLE=1: fsync, synchronous_commit and full_page_writes on, as the SQLite
file's WAL with synchronous=FULL), stopped at the end. The large scheme is built in SQLite
(or --db) and copied into a new database table by table with COPY (triggers and foreign-key
checks off for the copy: the rows come from a consistent file), identities moved past the
highest ids and VACUUM ANALYZE run, as a server would be after `team import-sqlite` and
autovacuum. Both import targets are migrated before the clock starts. Databases created here
are dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import IVCLI, ROOT, env, run, verdict  # noqa: E402

TARGET = 1.5


def start_server() -> tuple[str, str | None]:
    """(superuser URL, folder to stop or None): IVCLI_TEST_PG's server, or a new durable one."""
    url = os.environ.get("IVCLI_TEST_PG")
    if url:
        return url, None
    out = subprocess.run([str(ROOT / ".ci" / "pg-start")], capture_output=True, text=True,
                         env={**os.environ, "PG_DURABLE": "1"})
    if out.returncode != 0:
        raise SystemExit(f"could not start PostgreSQL (.ci/pg-start):\n{out.stderr}")
    found = dict(line.removeprefix("export ").split("=", 1) for line in out.stdout.splitlines()
                 if line.startswith("export "))
    return found["IVCLI_TEST_PG"].strip("'"), found["PG_TEST_DIR"].strip("'")


def stop_server(folder: str) -> None:
    subprocess.run([str(ROOT / ".ci" / "pg-stop")], env={**os.environ, "PG_TEST_DIR": folder},
                   check=False)


def conninfo(url: str, dbname: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if dbname:
        u = u.set(database=dbname)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def url_for(url: str, dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=dbname).render_as_string(hide_password=False)


def admin(url: str, sql: str, dbname: str | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(conninfo(url, dbname), autocommit=True) as conn:
        cur = conn.execute(sql)
        return list(cur.fetchall()) if cur.description else []


def new_database(url: str, made: list[str]) -> str:
    """A new, migrated, empty database on the server; its ivcli URL."""
    from ivcli.db import pg_prepare

    name = f"ivcli_bench_{uuid.uuid4().hex[:10]}"
    admin(url, f"CREATE DATABASE {name}")
    made.append(name)
    pg_prepare(url_for(url, name), write=True)
    return name


def copy_scheme(source: Path, url: str, dbname: str) -> dict[str, int]:
    """Every table of the SQLite file ``source`` into the (migrated) database ``dbname``."""
    import psycopg

    lite = sqlite3.connect(source)
    tables = [r[0] for r in lite.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    counts = {}
    with psycopg.connect(conninfo(url, dbname)) as pg:
        pg.execute("SET session_replication_role = replica")  # no triggers, no FK checks
        for table in tables:
            cols = [r[1] for r in lite.execute(f'PRAGMA table_info("{table}")')]
            pg.execute(f"DELETE FROM {table}")  # what the migrations wrote: the file has it
            with pg.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in lite.execute(f"SELECT {', '.join(cols)} FROM \"{table}\""):
                    copy.write_row(row)
            counts[table] = lite.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        for table, column in pg.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE "
                "table_schema = current_schema() AND is_identity = 'YES'").fetchall():
            pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                       f"coalesce(max({column}), 0) + 1, false) FROM {table}")
        pg.commit()
    lite.close()
    admin(url, "VACUUM ANALYZE", dbname)
    return counts


def output(cmd: list[str], db: str) -> str:
    out = subprocess.run(cmd, cwd=ROOT, env=env(IVCLI_DB=db, IVCLI_NO_INPUT="1"),
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(cmd)} on {db} failed:\n{out.stderr[-2000:]}")
    return out.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description="PostgreSQL against SQLite, side by side")
    parser.add_argument("--runs", type=int, default=7, help="runs of today and report each")
    parser.add_argument("--rows", type=int, default=100_000, help="referrals to import")
    parser.add_argument("--repeat", type=int, default=3, help="imports on each")
    parser.add_argument("--db", type=Path, help="a large scheme built before (or to build)")
    args = parser.parse_args()

    from benchmarks.large_scheme import END, build
    from ivcli.db import prepare
    from ivcli.demo import write_referrals_csv

    url, folder = start_server()
    made: list[str] = []
    ok = True
    try:
        settings = admin(url, "SELECT name, setting FROM pg_settings WHERE name IN "
                         "('fsync', 'synchronous_commit', 'full_page_writes', 'server_version',"
                         " 'shared_buffers') ORDER BY name")
        print(f"PostgreSQL server ({'started here' if folder else 'IVCLI_TEST_PG'}): "
              + ", ".join(f"{k}={v}" for k, v in settings))
        with tempfile.TemporaryDirectory(prefix="ivcli-bench-") as tmp:
            tmpdir = Path(tmp)
            lite = args.db or tmpdir / "large.db"
            if not lite.exists():
                t = time.perf_counter()
                build(lite)
                print(f"built the large scheme in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            big = new_database(url, made)
            counts = copy_scheme(lite, url, big)
            print(f"copied it into PostgreSQL in {time.perf_counter() - t:.1f} s: "
                  + ", ".join(f"{counts[k]:,} {k}" for k in
                              ("young_people", "volunteers", "matches", "visits")))
            pg = url_for(url, big)
            with sqlite3.connect(lite) as c:
                last = c.execute("SELECT max(date) FROM visits").fetchone()[0]
            commands = {
                "today": [*IVCLI, "today", "--as-of", END.isoformat(), "--format", "json"],
                "report monthly": [*IVCLI, "report", "monthly", "--month", last[:7],
                                   "--as-of", last, "--format", "json"],
            }
            for what, cmd in commands.items():  # also warms the caches on both
                same = json.loads(output(cmd, str(lite))) == json.loads(output(cmd, pg))
                print(f"{what}: the same output on both: {'yes' if same else 'NO'}")
                ok &= same
            times: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.runs):  # interleaved, so a busy moment hits both alike
                for what, cmd in commands.items():
                    for side, db in (("sqlite", str(lite)), ("postgresql", pg)):
                        e = env(IVCLI_DB=db, IVCLI_NO_INPUT="1")
                        times.setdefault((what, side), []).append(run(cmd, environ=e)[0])
            for what in commands:
                t_lite, t_pg = min(times[(what, "sqlite")]), min(times[(what, "postgresql")])
                print(f"{what} --format json: SQLite {t_lite * 1000:.0f} ms   PostgreSQL "
                      f"{t_pg * 1000:.0f} ms   (best of {args.runs})")
                ok &= verdict(f"{what} PostgreSQL / SQLite", t_pg / t_lite, TARGET)

            csv_path = write_referrals_csv(tmpdir / "referrals.csv", args.rows)
            imports: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
            for i in range(args.repeat):
                file = tmpdir / f"import{i}.db"
                prepare(file, write=True)
                target = url_for(url, new_database(url, made))
                for side, db in (("sqlite", str(file)), ("postgresql", target)):
                    cmd = [*IVCLI, "--db", db, "referral", "import", str(csv_path), "--quiet"]
                    imports[side].append(run(cmd)[0])
                admin(url, f"DROP DATABASE {made.pop()} WITH (FORCE)")
            t_lite, t_pg = min(imports["sqlite"]), min(imports["postgresql"])
            print(f"referral import of {args.rows:,} rows into an empty database: SQLite "
                  f"{t_lite:.2f} s   PostgreSQL {t_pg:.2f} s   (best of {args.repeat})")
            ok &= verdict("referral import PostgreSQL / SQLite", t_pg / t_lite, TARGET)
    finally:
        for name in made:
            admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if folder:
            stop_server(folder)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
