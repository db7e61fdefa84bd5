"""ivcli report: the monthly and annual reports for the council, funders and the national return.

Built for a scheduled script: exit 0 and nothing on stderr on success; any problem exits non-zero
with one clear message, and ``--output`` never leaves a half-written file.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ivcli.cli.common import date_option, month_option, state

app = typer.Typer(
    help="Monthly and annual reports: figures, breakdowns and 12-month trends.",
    no_args_is_help=True,
)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    xlsx = "xlsx"


PUBLISHED_BY_DEFAULT = (ReportFormat.markdown, ReportFormat.html)

FormatOpt = Annotated[
    ReportFormat,
    typer.Option("--format", "-f",
                 help="table for the terminal; json or csv for scripts; markdown or html to "
                 "publish (html has the trend charts in one file); xlsx, a workbook with one "
                 "sheet per section (needs --output)."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", show_default=False,
                 help="Write the report to FILE (replaced whole, readable by you alone) "
                 "instead of printing it."),
]
PublishOpt = Annotated[
    bool | None,
    typer.Option("--publish/--no-publish", show_default=False,
                 help="Make it fit to publish: small counts in breakdowns hidden, no names. "
                 "Default: on for markdown and html, off otherwise."),
]
DetailOpt = Annotated[
    bool,
    typer.Option("--detail",
                 help="Add the coordinator's lists, by name: running matches with no visit in "
                 "the period, and the longest waits. Never with --publish."),
]
AsOfOpt = Annotated[
    date | None,
    date_option("The day to report from; default today. A period not over by then ends on it",
                "--as-of"),
]


@app.command("monthly")
def monthly(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        month_option("The month; default last, the month before --as-of"),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = ReportFormat.table,
    output: OutputOpt = None,
    publish: PublishOpt = None,
    detail: DetailOpt = False,
) -> None:
    """The monthly report: referrals, waiting list, matches, visits, volunteers, breakdowns.

    Run it from cron on the 1st for the month before: ivcli report monthly --format html
    --output report.html
    """
    from ivcli.errors import InvalidInput
    from ivcli.reports.period import monthly_period

    try:
        period = monthly_period(month, as_of or date.today())
    except ValueError as exc:
        raise InvalidInput(str(exc), hint="give a --month that has begun by --as-of") from None
    _run(ctx, period, fmt, output, publish, detail)


@app.command("annual")
def annual(
    ctx: typer.Context,
    year: Annotated[
        int | None,
        typer.Option("--year", "-y", metavar="YYYY", show_default=False,
                     help="A calendar year; default the last whole year."),
    ] = None,
    start: Annotated[date | None, date_option("First day of a custom period", "--from")] = None,
    end: Annotated[date | None, date_option("Last day of a custom period", "--to")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = ReportFormat.table,
    output: OutputOpt = None,
    publish: PublishOpt = None,
    detail: DetailOpt = False,
    quotes: Annotated[
        bool,
        typer.Option("--quotes",
                     help="Add to the outcomes the words of the young people who agreed to be "
                     "quoted at a review (--quote-ok), without names. Read them before you "
                     "publish."),
    ] = False,
) -> None:
    """The annual report (a calendar year, or e.g. a financial year with --from and --to),
    with the outcomes: what young people say about their visitor at reviews."""
    from ivcli.errors import InvalidInput
    from ivcli.reports.period import annual_period

    try:
        period = annual_period(year, start, end, as_of or date.today())
    except ValueError as exc:
        raise InvalidInput(str(exc), hint="check --year, --from, --to and --as-of") from None
    _run(ctx, period, fmt, output, publish, detail, quotes)


def _run(ctx: typer.Context, period: Any, fmt: ReportFormat, output: Path | None,
         publish: bool | None, detail: bool, quotes: bool = False) -> None:
    from ivcli.errors import InvalidInput

    published = fmt in PUBLISHED_BY_DEFAULT if publish is None else publish
    if detail and published:
        raise InvalidInput(
            "--detail lists young people by name and cannot go in a published report",
            hint="add --no-publish for your own copy (markdown and html publish by default)",
        )
    if fmt == ReportFormat.xlsx and output is None:
        raise InvalidInput("--format xlsx writes a workbook, which cannot be shown in a terminal",
                           hint="give --output FILE, e.g. --output report.xlsx")
    if output is not None:
        from ivcli.outfile import check_writable

        check_writable(output, state(ctx).db_path)

    from ivcli.reports import aggregates as reports
    from ivcli.reports import publishing

    with state(ctx).reading() as conn:
        report = reports.build(conn, period, detail=detail)
        if period.kind == "annual":  # what young people say (reports/outcomes.py)
            from ivcli.reports import outcomes

            report["outcomes"] = outcomes.build(conn, period, quotes=quotes)
        threshold = publishing.suppress_below(conn)
        left_out = reports.costs_left_out(conn, period)
    if left_out:
        from ivcli.render import message

        shown = ", ".join(str(i) for i in left_out[:20]) + (" ..." if len(left_out) > 20 else "")
        message(f"Warning: {len(left_out)} visit(s) have a cost out of range and are left out "
                f"of the expenses figure (visit {shown}); 'ivcli check' lists them: correct "
                "their cost.", style="yellow")
    if published:
        report = publishing.publish(report, threshold)

    from ivcli import render_report

    if fmt == ReportFormat.table and output is None:
        render_report.print_table(report)
        return
    content: str | bytes
    if fmt == ReportFormat.xlsx:
        content = render_report.render_bytes(fmt.value, report)
    else:
        content = render_report.render(fmt.value, report)
    if output is None:
        assert isinstance(content, str)
        import sys

        sys.stdout.write(content)
    else:
        from ivcli.outfile import write_atomic

        write_atomic(output, content, state(ctx).db_path)
