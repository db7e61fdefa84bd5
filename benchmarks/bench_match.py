"""Matching speed, each target measured beside its baseline in the same run (best of N wall times
of fresh processes).

1. `match suggest YP` among 10,000 approved volunteers <= 1.5x `python -c "import sqlmodel"`.
2. `match suggest --all` at 2,000 x 2,000 and 5,000 x 5,000 <= 2x the floor: a process that
   imports sqlmodel and scipy and runs linear_sum_assignment on a random matrix of that size.
3. Peak memory (max RSS of the child) of `--all` at 5,000 x 5,000 < 1 GB.

    python benchmarks/bench_match.py [--quick]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

import matchdata  # noqa: E402

AS_OF = "2026-03-01"


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return seconds


def best(cmd: list[str], env: dict[str, str], n: int) -> float:
    return min(wall(cmd, env) for _ in range(n))


def peak_kb(cmd: list[str], env: dict[str, str]) -> int:
    """Peak RSS of one run in a fresh helper process, so earlier children do not count."""
    code = (
        "import resource, subprocess, sys\n"
        f"subprocess.run({cmd!r}, check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True)
    return int(out.stdout.strip())


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    quick = "--quick" in sys.argv
    n = 3 if quick else 5
    py = sys.executable
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        # 1. One young person among 10,000 volunteers.
        one = Path(tmp) / "one.db"
        matchdata.build(one, 50, 10_000)
        # A typical young person: no gender or age wish, an area, a few interests.
        yp = matchdata.typical_young_person(one)
        cmd = [py, "-m", "ivcli", "--db", str(one), "match", "suggest", str(yp), "--as-of",
               AS_OF, "--format", "json"]
        base = best([py, "-c", "import sqlmodel"], env, n)
        target = best(cmd, env, n)
        ratio = target / base
        results.append(ratio <= 1.5)
        print(f"suggest 1 x 10,000: {target:.3f}s vs import sqlmodel {base:.3f}s: "
              f"ratio {ratio:.2f} (target <= 1.5) {verdict(ratio <= 1.5)}")
        # 2. and 3. The whole waiting list.
        for size in (2_000, 5_000):
            path = Path(tmp) / f"all{size}.db"
            matchdata.build(path, size, size)
            floor_cmd = [py, "-c", (
                "import sqlmodel, numpy as np\n"
                "from scipy.optimize import linear_sum_assignment\n"
                f"linear_sum_assignment(np.random.default_rng(1).random(({size}, {size})))\n"
            )]
            all_cmd = [py, "-m", "ivcli", "--db", str(path), "match", "suggest", "--all",
                       "--as-of", AS_OF, "--format", "json"]
            runs = 2 if size == 5_000 else n
            floor = best(floor_cmd, env, runs)
            target = best(all_cmd, env, runs)
            ratio = target / floor
            results.append(ratio <= 2.0)
            print(f"suggest --all {size:,} x {size:,}: {target:.2f}s vs floor {floor:.2f}s: "
                  f"ratio {ratio:.2f} (target <= 2) {verdict(ratio <= 2.0)}")
            if size == 5_000:
                kb = peak_kb(all_cmd, env)
                mb = kb / 1024
                results.append(mb < 1024)
                print(f"suggest --all 5,000 x 5,000 peak memory: {mb:.0f} MB (target < 1024 MB) "
                      f"{verdict(mb < 1024)}")
    print("ALL PASS" if all(results) else "SOME FAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
