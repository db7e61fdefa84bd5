"""Referral list as CSV: `ivcli referral list --format csv` over 100,000 referrals against the
sqlite3 shell's CSV output of the same query, in the same run; and its peak memory.

Targets (issue 11): time ratio <= 5x; peak memory < 100 MB (the rows are streamed, never all
held). The referrals come from `ivcli referral import` of a generated council CSV. JSON is timed
too, for information (no target).

    python benchmarks/bench_list.py [--rows 100000] [--repeat 3]
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

from _common import IVCLI, ROOT, env, peak_rss_kib, run, verdict  # noqa: E402

from ivcli.demo import write_referrals_csv  # noqa: E402

# The query of `referral list` (referrals/screening.py: LIST_COLUMNS, oldest first).
QUERY = (
    "SELECT r.id, r.young_person_id, r.status, r.referral_date, yp.reference, yp.first_name, "
    "yp.last_name, yp.date_of_birth FROM referrals r "
    "JOIN young_people yp ON yp.id = r.young_person_id ORDER BY r.referral_date, r.id"
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sqlite = shutil.which("sqlite3")
    if not sqlite:
        raise SystemExit("the sqlite3 shell is needed (apt-get install sqlite3)")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        csv_path = write_referrals_csv(tmpdir / "referrals.csv", args.rows)
        db = tmpdir / "ivcli.db"
        run([*IVCLI, "--db", str(db), "referral", "import", str(csv_path), "--quiet"])
        listed = subprocess.run([*IVCLI, "--db", str(db), "referral", "list", "--format", "csv"],
                                env=env(), cwd=ROOT, capture_output=True, check=True).stdout
        lines = listed.count(b"\n") - 1
        if lines != args.rows:
            raise SystemExit(f"referral list gave {lines:,} rows, expected {args.rows:,}")
        shell = [sqlite, "-readonly", "-csv", "-header", str(db), QUERY]
        ivcli_csv = [*IVCLI, "--db", str(db), "referral", "list", "--format", "csv"]
        ivcli_json = [*IVCLI, "--db", str(db), "referral", "list", "--format", "json"]
        shell_times, csv_times, json_times, peaks = [], [], [], []
        for _ in range(args.repeat):  # interleaved, so a busy moment hurts each alike
            shell_times.append(run(shell)[0])
            wall, rss = peak_rss_kib(ivcli_csv)
            csv_times.append(wall)
            peaks.append(rss)
            json_times.append(run(ivcli_json)[0])
        t_shell, t_csv, t_json = min(shell_times), min(csv_times), min(json_times)
        print(f"referrals: {args.rows:,}")
        print(f"sqlite3 -csv: {t_shell:.2f} s   ivcli referral list --format csv: {t_csv:.2f} s"
              f"   (--format json: {t_json:.2f} s, {t_json / t_shell:.2f}x)")
        ok &= verdict("list csv time ratio", t_csv / t_shell, 5.0)
        ok &= verdict(f"peak memory at {args.rows:,} referrals", max(peaks) / 1024, 100.0,
                      " MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
