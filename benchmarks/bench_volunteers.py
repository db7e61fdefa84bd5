"""Volunteers at scale: importing a pool and listing checks due.

Targets (best of N wall times of real `python -m ivcli` processes, side by side in one run):
- `volunteer import` of 5,000 volunteers (8 step dates each) takes at most 3x the foundation's
  `referral import` of 5,000 referrals;
- `volunteer due` and `volunteer list` over those 5,000 take at most 3x `referral list` over
  5,000 referrals.

    python benchmarks/bench_volunteers.py [N]
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
TARGET = 3.0


def d(x: date) -> str:
    return x.strftime("%d/%m/%Y")


def volunteers_csv(path: Path, n: int) -> None:
    rng = random.Random(1)
    lines = ["reference,first_name,last_name,date_of_birth,email,area,interests,"
             "application_date,interview_date,reference_1_date,reference_2_date,dbs_number,"
             "dbs_issue_date,dbs_update_service,training_date,panel_date"]
    for i in range(n):
        start = date(2022, 1, 1) + timedelta(days=rng.randrange(1000))
        dbs = start + timedelta(days=30)
        lines.append(",".join([
            f"V{i:06d}", f"First{i}", f"Last{i}", d(date(1960 + i % 40, 1 + i % 12, 1)),
            f"v{i}@example.org", f"Area {i % 20}", "football; cooking",
            d(start), d(start + timedelta(days=7)), d(start + timedelta(days=14)),
            d(start + timedelta(days=15)), f"{i:012d}", d(dbs), "yes" if i % 3 else "no",
            d(start + timedelta(days=40)), d(start + timedelta(days=50)),
        ]))
    path.write_text("\n".join(lines) + "\n")


def referrals_csv(path: Path, n: int) -> None:
    lines = ["reference,first_name,last_name,date_of_birth,referral_date,interests"]
    for i in range(n):
        lines.append(f"R{i:06d},First{i},Last{i},{d(date(2010 + i % 8, 1 + i % 12, 1))},"
                     f"01/02/2025,football; cooking")
    path.write_text("\n".join(lines) + "\n")


def run(db: Path, *args: str) -> float:
    env = {**os.environ, "IVCLI_DB": str(db), "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ivcli", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def best(fn) -> float:  # type: ignore[no-untyped-def]
    return min(fn() for _ in range(RUNS))


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        vcsv, rcsv = t / "volunteers.csv", t / "referrals.csv"
        volunteers_csv(vcsv, n)
        referrals_csv(rcsv, n)
        counter = iter(range(1_000_000))

        def fresh_import(kind: str, f: Path) -> float:
            return run(t / f"{kind}{next(counter)}.db", kind, "import", str(f), "--quiet")

        target = best(lambda: fresh_import("volunteer", vcsv))
        base = best(lambda: fresh_import("referral", rcsv))
        ok &= report(f"volunteer import of {n}", target, base, "referral import")

        vdb, rdb = t / "v.db", t / "r.db"
        run(vdb, "volunteer", "import", str(vcsv), "--quiet")
        run(rdb, "referral", "import", str(rcsv), "--quiet")
        base = best(lambda: run(rdb, "referral", "list", "--format", "json"))
        for args in (("due", "--as-of", "2026-01-01"), ("list",)):
            target = best(lambda a=args: run(vdb, "volunteer", *a, "--format", "json"))
            ok &= report(f"volunteer {args[0]} over {n}", target, base, "referral list")
    return 0 if ok else 1


def report(what: str, target: float, base: float, baseline: str) -> bool:
    ratio = target / base
    passed = ratio <= TARGET
    print(f"{what}: {target:.2f}s vs {baseline} {base:.2f}s, ratio {ratio:.2f} "
          f"(target <= {TARGET:g}) {'PASS' if passed else 'FAIL'}")
    return passed


if __name__ == "__main__":
    sys.exit(main())
