"""Build v005.db: a database written by ivcli at schema 005_safety_audit, whose audit trail was
hash-chained by that version (one entry per imported record), so the upgrade test checks that
old entries still verify under the current code.

It needs the ivcli source of that version, e.g. of commit 8a42098:

    git archive 8a42098 ivcli | tar -x -C /tmp/ivcli-005
    python tests/data/safety/build_v005.py /tmp/ivcli-005   (rewrites tests/data/safety/v005.db)
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent.parent.parent / "docs" / "examples" / "referrals.csv"


def build(old_source: Path, path: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ivcli.db"
        env = dict(os.environ, PYTHONPATH=str(old_source), IVCLI_DB=str(db),
                   HOME=tmp, XDG_DATA_HOME=tmp)
        env.pop("IVCLI_DEBUG", None)

        def ivcli(*args: str) -> None:
            subprocess.run([sys.executable, "-m", "ivcli", *args], env=env, check=True, cwd=tmp,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

        ivcli("referral", "import", str(EXAMPLE), "-q")  # per-record bulk insert entries
        ivcli("referral", "add", "--first-name", "Amy", "--last-name", "Lee", "--date-of-birth",
              "01/02/2014", "--long-term-care-plan", "yes", "--consent", "yes",
              "--carer-support", "yes", "--social-isolation", "yes", "--referral-date",
              "01/03/2026")
        ivcli("referral", "accept", "1")  # an ORM update
        ivcli("erase", "young-person", "2", "--yes")  # per-record bulk update entries
        conn = sqlite3.connect(db)
        names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY seq")]
        assert names[-1] == "005_safety_audit", names
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("VACUUM")
        conn.close()
        path.unlink(missing_ok=True)
        path.write_bytes(db.read_bytes())
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]).resolve(), HERE / "v005.db"))
