"""Audit trail cost: `ivcli referral import` of 100,000 rows with the audit trail, against the
same import with the audit trail's functions replaced by no-ops (in the benchmark's own
process only), side by side in one run, best of N.

Target (issue 7): the audited import takes at most 1.25x the unaudited one.

    python benchmarks/bench_audit.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import env, run, verdict  # noqa: E402

from ivcli.demo import write_referrals_csv  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        csv_path = write_referrals_csv(tmpdir / "referrals.csv", args.rows)
        db = tmpdir / "ivcli.db"

        def fresh() -> None:
            for p in tmpdir.glob("ivcli.db*"):
                p.unlink()

        rest = ["--db", str(db), "referral", "import", str(csv_path), "--quiet"]
        no_audit = (
            "from ivcli.safety import audit\n"
            "for name in ('record', 'record_bulk', 'watch', 'complete'):\n"
            "    setattr(audit, name, lambda *a, **k: 0)\n"
        )

        def ivcli(prelude: str = "") -> list[str]:
            code = (f"import sys; sys.argv[0] = 'ivcli'\n{prelude}"
                    "from ivcli.cli.main import run; run()")
            return [sys.executable, "-c", code, *rest]

        with_audit, without = [], []
        for _ in range(args.repeat):
            without.append(run(ivcli(no_audit), environ=env(), setup=fresh)[0])
            with_audit.append(run(ivcli(), environ=env(), setup=fresh)[0])
        t_a, t_b = min(with_audit), min(without)
        print(f"rows: {args.rows:,}")
        print(f"without audit trail: {t_b:.2f} s   with audit trail: {t_a:.2f} s")
        ok = verdict("audited import / unaudited import", t_a / t_b, 1.25)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
