"""Shared by the benchmark scripts: timing whole commands side by side, and peak memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IVCLI = [sys.executable, "-m", "ivcli"]


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e.update(extra)
    return e


def run(cmd: Sequence[str], *, environ: dict[str, str] | None = None, check: bool = True,
        setup=None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Run ``cmd`` once; return (wall seconds, peak RSS in KiB of the child)."""
    if setup:
        setup()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=environ or env(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, cwd=ROOT)
    wall = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr.decode()[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before)


def best(cmd: Sequence[str], repeat: int, **kw) -> float:  # type: ignore[no-untyped-def]
    return min(run(cmd, **kw)[0] for _ in range(repeat))


def peak_rss_kib(cmd: Sequence[str], *, environ: dict[str, str] | None = None,
                 setup=None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Wall time and peak RSS of one run, measured in a fresh helper process so earlier
    children do not mask it."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "w = time.perf_counter() - t\n"
        "sys.stderr.write(p.stderr.decode()[-2000:]) if p.returncode else None\n"
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)\n"
    )
    if setup:
        setup()
    out = subprocess.run([sys.executable, "-c", code, *cmd], env=environ or env(),
                         capture_output=True, text=True, cwd=ROOT)
    wall, rss, rc = out.stdout.split()
    if rc != "0":
        raise SystemExit(f"{' '.join(map(str, cmd))} failed: {out.stderr[-2000:]}")
    return float(wall), int(rss)


def verdict(name: str, value: float, target: float, unit: str = "x") -> bool:
    ok = value <= target
    print(f"{name}: {value:.2f}{unit} (target <= {target:g}{unit}) {'PASS' if ok else 'FAIL'}")
    return ok
