"""Faults and concurrency with real ivcli processes: two writers at once, a held lock, SIGKILL
and Ctrl-C mid-import, a full disk, Ctrl-C at a prompt. No test waits on a clock: each acts on
something it can see (a FIFO fed so far, a prompt on the terminal)."""

from __future__ import annotations

import csv
import errno
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "referrals.csv"
pytestmark = pytest.mark.slow


def env(db: Path, **extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e.update(IVCLI_DB=str(db), PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1", **extra)
    e.pop("IVCLI_DEBUG", None)
    return e


def ivcli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ivcli", *args]


def run(db: Path, *args: str, **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(ivcli(*args), env=env(db), cwd=ROOT, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120, **kw)


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("young_people", "referrals", "audit_log")}
    finally:
        conn.close()


# The tables of a referral import's people and referrals (an import may also keep possible
# duplicates: children of one file with the same date of birth and first name, issue 13).
IMPORTED = "table_name IN ('young_people', 'referrals')"


def covered(db: Path) -> int:
    """How many inserted records the audit trail's insert entries name (a range counts each)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT coalesce(sum(CAST(coalesce(record_to, record_id) AS INTEGER) "
            "- CAST(record_id AS INTEGER) + 1), 0) FROM audit_log WHERE action = 'insert' "
            f"AND {IMPORTED}"
        ).fetchone()[0]
    finally:
        conn.close()


def assert_sound(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    result = run(db, "check")
    assert result.returncode == 0, result.stdout + result.stderr


def distinct_csv(path: Path, n: int, tag: str, seed: int) -> Path:
    """A referral file whose children appear in no other file (references and names tagged)."""
    from ivcli.demo import HEADER, referral_rows

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for row in referral_rows(n, seed):
            row[0] = f"{tag}-{row[0]}" if row[0] else ""
            row[2] = f"{row[2]}{tag}"
            w.writerow(row)
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    db = tmp_path / "ivcli.db"
    result = run(db, "referral", "import", str(EXAMPLE), "-q")
    assert result.returncode == 0, result.stderr
    return db


def test_two_imports_at_once_both_land_or_one_is_busy(base: Path, tmp_path: Path):
    a = distinct_csv(tmp_path / "a.csv", 1500, "A", 1)
    b = distinct_csv(tmp_path / "b.csv", 1000, "B", 2)
    # What each adds on its own (the tagged files share no child with each other or the base).
    alone = {}
    for f in (a, b):
        solo = tmp_path / f"solo-{f.stem}.db"
        assert run(solo, "referral", "import", str(f), "-q").returncode == 0
        alone[f] = counts(solo)
    start = counts(base)
    procs = [subprocess.Popen(ivcli("referral", "import", str(f), "-q"), env=env(base), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL) for f in (a, b)]
    results = [(p.communicate(timeout=120)[1], p.returncode)[::-1] for p in procs]
    landed = [f for f, (rc, _) in zip((a, b), results, strict=True) if rc == 0]
    for rc, err in results:
        assert rc in (0, 3), err
        if rc == 3:
            assert "another ivcli is writing; nothing changed" in err
    assert landed, results
    expected = dict(start)
    for f in landed:
        for k in ("young_people", "referrals"):
            expected[k] += alone[f][k]
    got = counts(base)
    assert {k: got[k] for k in ("young_people", "referrals")} == {
        k: expected[k] for k in ("young_people", "referrals")}
    # Each import is one range entry per table, and together they cover every record.
    conn = sqlite3.connect(base)
    try:
        entries = conn.execute(f"SELECT count(*) FROM audit_log WHERE {IMPORTED}").fetchone()[0]
    finally:
        conn.close()
    assert entries == 2 * (1 + len(landed))
    assert covered(base) == got["young_people"] + got["referrals"]
    assert_sound(base)


def test_a_held_write_lock_makes_the_second_writer_exit_3(base: Path):
    before = counts(base)
    holder = sqlite3.connect(base, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = subprocess.run(
            ivcli("referral", "add", "--first-name", "Amy", "--last-name", "Lee",
                  "--date-of-birth", "01/02/2014"),
            env=env(base, IVCLI_BUSY_TIMEOUT="0.5"), cwd=ROOT, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 3, result.stderr
    assert "another ivcli is writing; nothing changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert counts(base) == before


@pytest.fixture(scope="module")
def feed_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ivcli.demo import write_referrals_csv

    return write_referrals_csv(tmp_path_factory.mktemp("feed") / "feed.csv", 20_000, seed=5)


def write_lock_held(db: Path) -> bool:
    """Whether another connection holds the database's write lock (seen from outside)."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc), exc
        return True
    finally:
        conn.close()  # rolls back our own BEGIN, if it got one
    return False


def start_mid_import(db: Path, feed: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start `referral import` on a FIFO and feed it all of ``feed`` but its end: the import
    is then mid-way whatever the speed of the machine (it opens the file inside its write
    transaction, and has read and staged all but a pipe's buffer of the rows, in batches,
    when the last write returns) and waits for the rest. Returns the process and the FIFO's
    open end (closing it would let the import finish)."""
    fifo = tmp_path / "referrals.csv"
    os.mkfifo(fifo)
    proc = subprocess.Popen(ivcli("referral", "import", str(fifo), "-q"), env=env(db),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    fd = None
    while fd is None:  # until the import opens the FIFO (an error would end it first)
        assert proc.poll() is None, proc.communicate()[1]
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            assert exc.errno == errno.ENXIO, exc  # no reader yet
            time.sleep(0.01)
    os.set_blocking(fd, True)
    with open(feed, "rb") as src:
        os.write(fd, src.read())  # blocks until the import has read all but a buffer's worth
    assert proc.poll() is None
    assert write_lock_held(db), "the import is not inside its write transaction"
    return proc, fd


def test_sigkill_midway_through_an_import_changes_nothing(base: Path, feed_csv: Path,
                                                          tmp_path: Path):
    before = counts(base)
    proc, fd = start_mid_import(base, feed_csv, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    os.close(fd)
    assert proc.returncode == -signal.SIGKILL
    assert not write_lock_held(base)
    assert counts(base) == before
    assert_sound(base)


def test_ctrl_c_mid_import_exits_130_and_changes_nothing(base: Path, feed_csv: Path,
                                                        tmp_path: Path):
    before = counts(base)
    proc, fd = start_mid_import(base, feed_csv, tmp_path)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    os.close(fd)
    assert proc.returncode == 130, err
    assert "nothing was changed" in err.lower()
    assert "Traceback" not in err
    assert not write_lock_held(base)
    assert counts(base) == before
    assert_sound(base)


def test_full_disk_mid_import_is_a_clean_error_and_changes_nothing(base: Path, tmp_path: Path):
    big = distinct_csv(tmp_path / "five-thousand.csv", 5000, "F", 3)
    before = counts(base)
    limit = base.stat().st_size + 96 * 1024

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(ivcli("referral", "import", str(big), "-q"), env=env(base),
                            cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=120, preexec_fn=small_disk)
    assert result.returncode == 5, result.stderr
    assert "disk is full" in result.stderr and "nothing changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert counts(base) == before
    assert_sound(base)


def test_ctrl_c_at_a_prompt_exits_130_and_creates_nothing(tmp_path: Path):
    import pty

    db = tmp_path / "ivcli.db"
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(ivcli("referral", "add"), env=env(db, TERM="xterm"), cwd=ROOT,
                            stdin=secondary, stdout=secondary, stderr=secondary,
                            start_new_session=True)
    os.close(secondary)
    seen = b""
    deadline = time.monotonic() + 30
    try:
        while b"First name" not in seen and time.monotonic() < deadline:
            import select

            ready, _, _ = select.select([primary], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(primary, 4096)
                except OSError:
                    break
        assert b"First name" in seen, seen[-500:]
        os.write(primary, b"\x03")
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(primary)
    assert rc == 130
    assert not db.exists()
