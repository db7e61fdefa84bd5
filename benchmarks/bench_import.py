"""Referral import: 100,000 rows through `ivcli referral import` against the sqlite3 shell's
`.import --csv` of the same file, in the same run; and peak memory at 100,000 and 1,000,000 rows.

Targets (issue 11): time ratio <= 6x (issue 2's 4x was below the floor); peak memory
< 100 MB at 100,000 rows, < 150 MB at 1,000,000.
It also times import_floor.py, the data movement alone, and import_db_floor.py, the SQLite work
of the import alone (its own inserts, indexes, audit entries, duplicate search and commit, with
the rows already read, checked and linked), to show how much of the budget each takes on the
machine at hand.

    python benchmarks/bench_import.py [--rows 100000] [--million] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import IVCLI, env, peak_rss_kib, run, verdict  # noqa: E402

from ivcli.demo import write_referrals_csv  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--million", action="store_true", help="also measure 1,000,000 rows")
    args = parser.parse_args()
    sqlite = shutil.which("sqlite3")
    if not sqlite:
        raise SystemExit("the sqlite3 shell is needed (apt-get install sqlite3)")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        csv_path = write_referrals_csv(tmpdir / "referrals.csv", args.rows)
        db = tmpdir / "ivcli.db"
        shell_db = tmpdir / "shell.db"

        def fresh() -> None:
            for p in tmpdir.glob("*.db*"):
                p.unlink()

        here = Path(__file__).resolve().parent
        floor_script, db_floor_script = here / "import_floor.py", here / "import_db_floor.py"
        one_row = tmpdir / "one.csv"
        with csv_path.open(encoding="utf-8") as src:
            one_row.write_text(src.readline() + src.readline(), encoding="utf-8")
        ivcli_times, shell_times, peaks, floor_times, db_floor_times = [], [], [], [], []
        start_times = []
        for _ in range(args.repeat):
            wall, _ = run([*IVCLI, "--db", str(db), "referral", "import", str(one_row), "-q"],
                          setup=fresh)
            start_times.append(wall)
            wall, _ = run([sys.executable, str(floor_script), str(csv_path), str(db)],
                          setup=fresh)
            floor_times.append(wall)
            fresh()
            done = subprocess.run([sys.executable, str(db_floor_script), str(csv_path), str(db)],
                                  env=env(), capture_output=True, text=True, check=True)
            db_floor_times.append(float(done.stdout))
            wall, _ = run([sqlite, str(shell_db), f".import --csv {csv_path} referrals"],
                          setup=fresh)
            shell_times.append(wall)
            wall, rss = peak_rss_kib([*IVCLI, "--db", str(db), "referral", "import",
                                      str(csv_path), "--quiet"], environ=env(), setup=fresh)
            ivcli_times.append(wall)
            peaks.append(rss)
        # And a second import of the same file: every row unchanged.
        again, _ = run([*IVCLI, "--db", str(db), "referral", "import", str(csv_path), "-q"])
        t_ivcli, t_shell = min(ivcli_times), min(shell_times)
        print(f"rows: {args.rows:,}")
        print(f"sqlite3 .import --csv: {t_shell:.2f} s   ivcli referral import: {t_ivcli:.2f} s"
              f"   (re-import, all unchanged: {again:.2f} s)")
        ok &= verdict("import time ratio", t_ivcli / t_shell, 6.0)
        t_floor = min(floor_times)
        print(f"  (the floor, moving the data alone with no validation, identity rules, "
              f"duplicates, audit or CLI: {t_floor:.2f} s, {t_floor / t_shell:.2f}x .import; "
              "see import_floor.py)")
        t_db = min(db_floor_times)
        print(f"  (the SQLite work of the import alone, its rows already read, checked and "
              f"linked: {t_db:.2f} s, {t_db / t_shell:.2f}x .import, leaving "
              f"{6.0 * t_shell - t_db:.2f} s of the 6x for start-up, reading, checking and "
              f"linking, which take {t_ivcli - t_db:.2f} s (start-up, a one-row import into a "
              f"new database: {min(start_times):.2f} s); see import_db_floor.py)")
        ok &= verdict(f"peak memory at {args.rows:,} rows", max(peaks) / 1024,
                      100.0 if args.rows <= 100_000 else 150.0, " MB")
        if args.million:
            fresh()
            big = write_referrals_csv(tmpdir / "million.csv", 1_000_000, seed=2)
            wall, rss = peak_rss_kib([*IVCLI, "--db", str(db), "referral", "import", str(big),
                                      "--quiet"], setup=fresh)
            print(f"1,000,000 rows: {wall:.1f} s")
            ok &= verdict("peak memory at 1,000,000 rows", rss / 1024, 150.0, " MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
