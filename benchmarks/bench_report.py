"""Monthly report over a large scheme's history against `python -c "import sqlmodel"`.

Target (issue 6): `ivcli report monthly --format json` over 10,000 young people, 8,000
volunteers, 6,000 matches and 500,000 visits over 5 years takes at most 1.5x the wall time of
importing sqlmodel, side by side in the same run (best of N, interleaved). ``--annual``
measures `ivcli report annual --format json` over the 12 months ending on the last visit's
date instead, against the same target (issue 16).

    python benchmarks/bench_report.py [--repeat 9] [--db big.db] [--annual]

Builds the scheme with large_scheme.build in a temporary folder unless --db names one already
built. The month reported is the last month with visits in the database.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import IVCLI, env, run, verdict  # noqa: E402


def _next_month(first: str) -> str:
    """The first day of the month after ``first`` (YYYY-MM-01)."""
    year, month = int(first[:4]), int(first[5:7])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}-01"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--db", type=Path, help="an existing large scheme database")
    parser.add_argument("--annual", action="store_true",
                        help="time report annual over the last 12 months instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from large_scheme import build

            db = Path(tmp) / "large.db"
            t = time.perf_counter()
            build(db)
            print(f"built the large scheme in {time.perf_counter() - t:.1f} s")
        conn = sqlite3.connect(db)
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("young_people", "volunteers", "matches", "visits")}
        last = conn.execute("SELECT max(date) FROM visits").fetchone()[0]
        conn.close()
        month = last[:7]
        print("scheme: " + ", ".join(f"{n:,} {t}" for t, n in counts.items())
              + f"; reporting {month}")
        baseline = [sys.executable, "-c", "import sqlmodel"]
        if args.annual:
            first = f"{int(last[:4]) - 1:04d}{last[4:7]}-01"
            first = _next_month(first)
            what = "report annual"
            command = [*IVCLI, "--db", str(db), "report", "annual", "--from", first,
                       "--to", last, "--as-of", last, "--format", "json"]
        else:
            what = "report monthly"
            command = [*IVCLI, "--db", str(db), "report", "monthly", "--month", month,
                       "--as-of", last, "--format", "json"]
        environ = env(IVCLI_DB=str(db))
        run(baseline)
        run(command, environ=environ)  # warm the bytecode and page caches
        base_times, cli_times = [], []
        for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
            base_times.append(run(baseline)[0])
            cli_times.append(run(command, environ=environ)[0])
        t_base, t_cli = min(base_times), min(cli_times)
        print(f"python -c 'import sqlmodel': {t_base * 1000:.0f} ms   "
              f"{what} --format json: {t_cli * 1000:.0f} ms   (best of {args.repeat})")
        ok = verdict("report ratio", t_cli / t_base, 1.5)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
