"""Benchmark: `ivcli today` over a large scheme against `python -c "import sqlmodel"`.

Target (issue 5): `ivcli today` over 10,000 young people, 6,000 matches and 500,000 visits takes
at most 1.5x the wall time of importing sqlmodel, both measured here in the same run (best of
N runs of each, interleaved).

    python benchmarks/bench_today.py [--runs 7] [--db PATH] [--keep]

Builds the scheme with benchmarks/large_scheme.py in a temporary folder (about 10-20 s) unless
--db names one already built.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 1.5


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", type=Path, help="an already built large scheme")
    parser.add_argument("--keep", action="store_true", help="keep the built database")
    args = parser.parse_args()

    tmp = None
    if args.db and args.db.exists():
        path = args.db
    else:
        from benchmarks.large_scheme import build

        if args.db:
            path = args.db
        else:
            tmp = tempfile.mkdtemp(prefix="ivcli-bench-")
            path = Path(tmp) / "large.db"
        t = time.perf_counter()
        build(path)
        print(f"built the large scheme in {time.perf_counter() - t:.1f} s: {path}")
    env = {**os.environ, "IVCLI_DB": str(path), "PYTHONPATH": str(ROOT), "IVCLI_NO_INPUT": "1"}
    baseline_cmd = [sys.executable, "-c", "import sqlmodel"]
    target_cmd = [sys.executable, "-m", "ivcli", "today", "--format", "json"]
    table_cmd = [sys.executable, "-m", "ivcli", "today"]
    # Warm the file cache and check the agenda is not empty.
    out = subprocess.run(target_cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True)
    import json

    items = json.loads(out.stdout)
    kinds: dict[str, int] = {}
    for item in items:
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
    print(f"agenda: {len(items)} items: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    base, target, table = [], [], []
    for _ in range(args.runs):
        base.append(wall(baseline_cmd, env))
        target.append(wall(target_cmd, env))
        table.append(wall(table_cmd, env))
    b, t, tb = min(base), min(target), min(table)
    ratio = t / b
    print(f"python -c 'import sqlmodel': best of {args.runs} {b:.3f} s")
    print(f"ivcli today --format json:   best of {args.runs} {t:.3f} s")
    print(f"ivcli today (table):         best of {args.runs} {tb:.3f} s (ratio {tb / b:.2f})")
    print(f"ratio {ratio:.2f} (target <= {TARGET}): {'PASS' if ratio <= TARGET else 'FAIL'}")
    if tmp and not args.keep:
        for f in Path(tmp).iterdir():
            f.unlink()
        os.rmdir(tmp)
    sys.exit(0 if ratio <= TARGET else 1)


if __name__ == "__main__":
    main()
