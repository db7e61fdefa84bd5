"""Audit trail cost: `ivcli referral import` of 100,000 rows with the audit trail (this tree)
against the same import without it (the foundation on branch main, checked out alongside),
side by side in one run, best of N.

Target (issue 7): the audited import takes at most 1.25x the unaudited one.

    python benchmarks/bench_audit.py [--rows 100000] [--repeat 3] [--baseline /work/main]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import ROOT, env, run, verdict  # noqa: E402

from ivcli.services.demo import write_referrals_csv  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout without the audit trail (default: a temporary "
                        "worktree of the commit before migration 003)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        baseline = args.baseline
        if baseline is None:
            baseline = tmpdir / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline),
                            "main"], check=True, capture_output=True)
        try:
            csv_path = write_referrals_csv(tmpdir / "referrals.csv", args.rows)
            db = tmpdir / "ivcli.db"

            def fresh() -> None:
                for p in tmpdir.glob("ivcli.db*"):
                    p.unlink()

            rest = ["--db", str(db), "referral", "import", str(csv_path), "--quiet"]

            def ivcli_from(tree: Path) -> list[str]:
                # The benchmark runs with the working directory at this tree: put ``tree``
                # first on the path so its ivcli is the one imported.
                code = (f"import sys; sys.path.insert(0, {str(tree)!r}); sys.argv[0] = 'ivcli'; "
                        "from ivcli.cli.main import run; run()")
                return [sys.executable, "-c", code, *rest]

            probe = subprocess.run(
                [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(baseline)!r}); "
                 "import ivcli.migrations as m; print(len(m.MIGRATIONS))"],
                capture_output=True, text=True, check=True, cwd=ROOT)
            print(f"baseline {baseline}: {probe.stdout.strip()} migrations")
            with_audit, without = [], []
            for _ in range(args.repeat):
                without.append(run(ivcli_from(baseline), environ=env(), setup=fresh)[0])
                with_audit.append(run(ivcli_from(ROOT), environ=env(), setup=fresh)[0])
            t_a, t_b = min(with_audit), min(without)
            print(f"rows: {args.rows:,}")
            print(f"without audit trail: {t_b:.2f} s   with audit trail: {t_a:.2f} s")
            ok = verdict("audited import / unaudited import", t_a / t_b, 1.25)
        finally:
            if args.baseline is None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(baseline)], capture_output=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
