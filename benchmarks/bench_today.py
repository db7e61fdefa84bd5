"""Benchmark: `ivcli today` over a large scheme against `python -c "import sqlmodel"`.

Target (issue 5): `ivcli today` over 10,000 young people, 6,000 matches and 500,000 visits takes
at most 1.5x the wall time of importing sqlmodel, both measured here in the same run (best of
N runs of each, interleaved). The scheme's history ends on large_scheme.END, so the agenda is
taken as of that day (--as-of).

    python benchmarks/bench_today.py [--runs 7] [--db PATH]

Builds the scheme with benchmarks/large_scheme.py in a temporary folder (10-20 s) unless --db
names one already built (a --db that does not exist yet is built and kept).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import IVCLI, ROOT, env, run, verdict  # noqa: E402
from benchmarks.large_scheme import END  # noqa: E402

TARGET = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description="ivcli today over a large scheme")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", type=Path, help="a large scheme built before (or to build)")
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
        print(f"built the large scheme in {time.perf_counter() - t:.1f} s")
    try:
        environ = env(IVCLI_DB=str(path), IVCLI_NO_INPUT="1")
        baseline = [sys.executable, "-c", "import sqlmodel"]
        # The generated history ends on END: look from that day.
        as_json = [*IVCLI, "today", "--as-of", END.isoformat(), "--format", "json"]
        as_table = [*IVCLI, "today", "--as-of", END.isoformat()]
        out = subprocess.run(as_json, cwd=ROOT, env=environ, capture_output=True, text=True,
                             check=True)  # also warms the file cache
        kinds: dict[str, int] = {}
        for item in json.loads(out.stdout):
            kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
        print(f"agenda: {sum(kinds.values())} items: "
              + ", ".join(f"{k} {n}" for k, n in kinds.items()))
        times: dict[str, list[float]] = {"base": [], "json": [], "table": []}
        for _ in range(args.runs):  # interleaved, so a busy moment hits all three alike
            times["base"].append(run(baseline, environ=environ)[0])
            times["json"].append(run(as_json, environ=environ)[0])
            times["table"].append(run(as_table, environ=environ)[0])
        base, js, table = (min(times[k]) for k in ("base", "json", "table"))
        print(f"python -c 'import sqlmodel' best of {args.runs}: {base:.3f} s")
        print(f"ivcli today --format json   best of {args.runs}: {js:.3f} s")
        print(f"ivcli today (table)         best of {args.runs}: {table:.3f} s")
        ok = verdict("ivcli today --format json / import sqlmodel", js / base, TARGET)
        ok = verdict("ivcli today (table) / import sqlmodel", table / base, TARGET) and ok
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
