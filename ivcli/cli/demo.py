"""ivcli demo: a database of made-up young people to try ivcli on."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ivcli.cli.common import state

app = typer.Typer()


@app.command("demo")
def demo(
    ctx: typer.Context,
    replace: Annotated[
        bool, typer.Option("--replace", help="Rebuild an existing demo database from scratch.")
    ] = False,
) -> None:
    """Build a demo database of a made-up scheme and show the referrals awaiting review.

    Young people (care leavers 16 or over, looked-after children) with referrals in every
    state and varied coded reasons, volunteers at every step of safer recruitment with their
    coordinators, active matches with their visits (one overdue, one with an open concern),
    reviews and supervision, and a waiting list the suggestions can reduce.

    It is written to demo.db in your user data folder (not your real database) unless you give
    --db. ivcli never overwrites a database that is not a demo.
    """
    from ivcli import demo as demo_service
    from ivcli.enums import ReferralStatus
    from ivcli.errors import Refused
    from ivcli.referrals import screening as referrals
    from ivcli.render import emit, message

    app_state = state(ctx)
    if not app_state.explicit_db:
        app_state.db_path = app_state.db_path.with_name("demo.db")
    path = app_state.db_path
    if path.exists():
        with app_state.reading() as conn:
            is_demo = demo_service.is_demo(conn)
            empty = demo_service.is_empty(conn)
        if not is_demo and not empty:
            raise Refused(f"{path} holds real records; the demo never overwrites them",
                          hint="give the demo its own file with --db demo.db")
        if is_demo and not replace:
            message(f"The demo database already exists at {path} (--replace rebuilds it).")
        else:
            for suffix in ("", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
    if not path.exists():
        with app_state.writing() as conn:
            counts = demo_service.build(conn, date.today())
        message(f"Built a demo database at {path}: "
                + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                + " referrals.")
    with app_state.reading() as conn:
        rows = referrals.list_referrals(conn, status=ReferralStatus.received.value)
    emit("table", referrals.LIST_COLUMNS, rows, title="Referrals to review (demo data)",
         empty="No referrals awaiting review.")
    message(f"Try: ivcli --db {path} today   (what needs attention)\n"
            f"     ivcli --db {path} match suggest --all\n"
            f"     ivcli --db {path} report monthly --month last")
