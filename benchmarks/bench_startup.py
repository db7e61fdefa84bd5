"""Start-up: `ivcli --help` against `python -c "import typer"`, side by side in one run.

Target (issue 2): at most 2.5x. Also checks that --help loads none of the heavy libraries.

    python benchmarks/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import IVCLI, env, run, verdict  # noqa: E402

HEAVY = ("sqlmodel", "sqlalchemy", "questionary", "numpy", "scipy", "matplotlib", "pydantic")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    baseline = [sys.executable, "-c", "import typer"]
    command = [*IVCLI, "--help"]
    run(baseline)
    run(command)  # warm the bytecode caches
    base_times, cli_times = [], []
    for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
        base_times.append(run(baseline)[0])
        cli_times.append(run(command)[0])
    t_base, t_cli = min(base_times), min(cli_times)
    print(f"python -c 'import typer': {t_base * 1000:.0f} ms   ivcli --help: {t_cli * 1000:.0f} ms"
          f"   (best of {args.repeat})")
    ok = verdict("start-up ratio", t_cli / t_base, 2.5)
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys, runpy; sys.argv = ['ivcli', '--help']\n"
         "try:\n    runpy.run_module('ivcli', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         f"print([m for m in {HEAVY!r} if m in sys.modules])"],
        capture_output=True, text=True, env=env(),
    )
    loaded = probe.stdout.strip().splitlines()[-1]
    print(f"heavy modules loaded by --help: {loaded}")
    ok &= loaded == "[]"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
