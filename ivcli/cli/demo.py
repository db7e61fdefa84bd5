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
    if app_state.db_url is not None:  # PostgreSQL: built in an empty database, never dropped
        with app_state.writing() as conn:
            is_demo, empty = demo_service.is_demo(conn), demo_service.is_empty(conn)
            if not empty and (replace or not is_demo):
                what = "is a demo" if is_demo else "holds real records"
                raise Refused(f"{app_state.where} {what}; on PostgreSQL the demo is built only "
                              "in an empty database, never over one",
                              hint="give the demo a new database of its own "
                              "(createdb ivcli_demo)")
            counts = demo_service.build(conn, date.today()) if empty else None
        if counts is None:
            message(f"The demo database already exists at {app_state.where}.")
        else:
            message(f"Built a demo database at {app_state.where}: "
                    + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                    + " referrals.")
    elif path.exists():
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
    if app_state.db_url is None and not path.exists():
        with app_state.writing() as conn:
            counts = demo_service.build(conn, date.today())
        message(f"Built a demo database at {path}: "
                + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                + " referrals.")
    with app_state.reading() as conn:
        rows = referrals.list_referrals(conn, status=ReferralStatus.received.value)
    emit("table", referrals.LIST_COLUMNS, rows, title="Referrals to review (demo data)",
         empty="No referrals awaiting review.")
    where = app_state.where
    message(f"Try: ivcli --db {where} today   (what needs attention)\n"
            f"     ivcli --db {where} match suggest --all\n"
            f"     ivcli --db {where} report monthly --month last")
