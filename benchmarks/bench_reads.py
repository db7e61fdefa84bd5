"""Benchmark: every read command on the demo database against
`python -c "import typer, rich.table, sqlalchemy"`.

Target (issue 11): each read command (`referral list/show`, `volunteer list/show/due`,
`match list/show`, `visit list`, `concern list`, `today`, `report monthly`) on the demo database
takes at most 1.3x the wall time of importing typer, rich.table and sqlalchemy, both measured
here in the same run (best of N runs of each, interleaved).

    python benchmarks/bench_reads.py [--runs 7]

Builds the demo database in a temporary folder first.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import IVCLI, ROOT, env, run, verdict  # noqa: E402

TARGET = 1.3
BASELINE = [sys.executable, "-c", "import typer, rich.table, sqlalchemy"]
COMMANDS = [
    ["referral", "list"],
    ["referral", "show", "1"],
    ["volunteer", "list"],
    ["volunteer", "show", "1"],
    ["volunteer", "due"],
    ["match", "list"],
    ["match", "show", "1"],
    ["visit", "list"],
    ["concern", "list"],
    ["today"],
    ["report", "monthly", "--month", "last"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description="read commands on the demo database")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ivcli-bench-reads-"))
    try:
        db = tmp / "demo.db"
        environ = env(IVCLI_DB=str(db), IVCLI_NO_INPUT="1")
        subprocess.run([*IVCLI, "demo"], cwd=ROOT, env=environ, check=True,
                       stdout=subprocess.DEVNULL)
        base = min(run(BASELINE, environ=environ)[0] for _ in range(args.runs))
        best: dict[str, float] = {}
        for _ in range(args.runs):  # interleaved, so a busy moment hurts every command alike
            for words in COMMANDS:
                t = run([*IVCLI, *words], environ=environ)[0]
                best[" ".join(words)] = min(best.get(" ".join(words), t), t)
                base = min(base, run(BASELINE, environ=environ)[0])
        print(f"baseline (import typer, rich.table, sqlalchemy): {base * 1000:.0f} ms "
              f"(best of {args.runs * (len(COMMANDS) + 1)})")
        ok = True
        for name, t in best.items():
            ok &= verdict(f"ivcli {name} ({t * 1000:.0f} ms)", t / base, TARGET)
        raise SystemExit(0 if ok else 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
