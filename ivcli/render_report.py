"""The report in every format: JSON and CSV for scripts, a terminal table, Markdown and HTML.

The human formats share one layout (``sections``): a list of titled tables of plain strings,
escaped only by the writer of each format. Everything from a user (ethnicity as recorded, names
in ``--detail``) is data: shown escaped, never as markup, and neutralised in CSV.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ivcli.render import safe_text

# Kept here (not imported from services) so the renderers need no database libraries.
REASON_LABELS = {
    "planned": "Planned ending", "aged_out": "Aged out", "young_person_choice":
    "Young person's choice", "volunteer_left": "Volunteer moved or withdrew",
    "placement_move": "Placement move", "breakdown": "Breakdown", "safeguarding": "Safeguarding",
    "left_care": "Left care",
    "other": "Other", "not_recorded": "Not recorded",
}
BAND_LABELS = {"under_6_months": "Under 6 months", "6_to_12_months": "6 to 12 months",
               "1_to_2_years": "1 to 2 years", "2_years_and_over": "2 years and over"}
TRENDS = "12-month trends"
SPARKS = "▁▂▃▄▅▆▇█"
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Money:
    """An amount in whole pence: shown as £12.34, a number in a spreadsheet."""

    pence: int

    def __str__(self) -> str:
        from ivcli.parsing import format_pence

        return "£" + format_pence(self.pence)


# A cell of a human table: text, a number, an amount, or None (nothing to measure: "none").
Cell = str | int | float | Money | None


def cell_text(value: Cell) -> str:
    return "none" if value is None else str(value)


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    level: int = 2
    note: str | None = None
    numeric: list[bool] = field(default_factory=list)
    sheet: str | None = None  # a shorter name for its spreadsheet sheet (31 characters at most)


def render(fmt: str, report: dict[str, Any]) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "markdown":
        return to_markdown(report)
    if fmt == "html":
        return to_html(report)
    return to_text(report)


def render_bytes(fmt: str, report: dict[str, Any]) -> bytes:
    """The report in a binary format: ``xlsx``."""
    assert fmt == "xlsx"
    return to_xlsx(report)


# ---------------------------------------------------------------------------------------------
# Machine formats


def to_json(report: dict[str, Any]) -> str:
    """Byte-identical for the same report: sorted keys, ASCII only (every other character as a
    \\u escape, so no control or bidi character reaches a terminal)."""
    return json.dumps(report, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


def csv_rows(report: dict[str, Any]) -> list[tuple[str, str, str, object]]:
    """Long format: section, item, group, value."""
    from ivcli.report_figures import COUNT_KEYS, FIGURE_KEYS, POOL_DIMENSIONS, TIMELINESS

    rows: list[tuple[str, str, str, object]] = []
    period = report["period"]
    for key in ("kind", "start", "end", "label", "complete"):
        rows.append(("period", key, "", period[key]))
    rows.append(("period", "published", "", report["published"]))
    if report["published"]:
        rows.append(("period", "suppress_below", "", report["suppress_below"]))
    for key in FIGURE_KEYS:
        rows.append(("figures", key, "", report[key]))
    for key, n in report["endings_by_reason"].items():
        rows.append(("endings_by_reason", key, "", n))
    for key, n in report["match_length_bands"].items():
        rows.append(("match_length_bands", key, "", n))
    for key in (*COUNT_KEYS, *(t[0] for t in TIMELINESS)):
        rows.extend((key, group, "", n) for group, n in report[key].items())
    for name, share in report.get("looked_after_with_iv_pct", {}).items():
        rows.extend(("looked_after_with_iv_pct", name, k, share[k])
                    for k in ("looked_after", "with_iv", "pct"))
    for population, section in report["breakdowns"].items():
        rows.append((population, "total", "", section["total"]))
        for dim, cells in section.items():
            if dim != "total":
                rows.extend((population, dim, group, n) for group, n in cells.items())
    pool = report["volunteer_pool"]
    rows.append(("volunteer_pool", "total", "", pool["total"]))
    for dim, _ in POOL_DIMENSIONS:
        rows.extend(("volunteer_pool", dim, group, n) for group, n in pool[dim].items())
    for month in report["trends"]:
        rows.extend(("trends", series, month["month"], month[series])
                    for series in ("referrals_received", "waiting_at_end", "active_at_end",
                                   "visits"))
    rows += outcome_csv_rows(report)
    for name, items in report.get("detail", {}).items():
        id_key = "match_id" if name == "matches_without_visit" else "referral_id"
        for item in items:
            rows.extend((name, str(item[id_key]), k, v) for k, v in item.items() if k != id_key)
    return rows


def to_csv(report: dict[str, Any]) -> str:
    import csv

    from ivcli.render import csv_cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "item", "group", "value"])
    for row in csv_rows(report):
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The shared human layout


def _fmt(key: str, value: object) -> Cell:
    if value is None:
        return None
    if key == "expenses_total" and isinstance(value, int):
        return Money(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | str):
        return value
    return str(value)


def _group_label(dim: str, key: str) -> str:
    from ivcli.report_figures import GROUP_LABELS

    if dim == "ethnicity":
        return "Not recorded" if key == "not_recorded" else key
    return GROUP_LABELS[dim][key]


def title(report: dict[str, Any]) -> str:
    kind = "Monthly report" if report["report"] == "monthly" else "Annual report"
    return f"{kind}: {report['period']['label']}"


def subtitle(report: dict[str, Any]) -> str:
    p = report["period"]
    text = f"From {p['start']} to {p['end']} inclusive."
    if not p["complete"]:
        text += " The period had not finished: figures are to date."
    if report["published"]:
        t = report["suppress_below"]
        text += (f" For publication: in the breakdowns, numbers from 1 to {t - 1} are shown "
                 f"as <{t}, and * marks a number hidden so that a small one cannot be worked "
                 "out from the totals.")
    return text


def month_label(month: str) -> str:
    year, mon = month.split("-")
    return f"{MONTH_ABBR[int(mon) - 1]} {year}"


def sections(report: dict[str, Any]) -> list[Section]:
    from ivcli.report_figures import DIMENSIONS, FIGURES, POPULATIONS, TREND_SERIES

    out: list[Section] = []
    current = None
    for fig in FIGURES:
        if fig.section != current:
            out += _after_section(current, report)
            current = fig.section
            out.append(Section(current, ["Figure", "Value"], [], numeric=[False, True]))
        out[-1].rows.append([fig.label, _fmt(fig.key, report[fig.key])])
    out += _after_section(current, report)
    out += _share_sections(report)
    b = report["breakdowns"]
    heads = [label for _, label in POPULATIONS]
    out.append(Section("Young people waiting and matched", ["", *heads],
                       [["Total", *(b[p]["total"] for p, _ in POPULATIONS)]],
                       note="Each young person is counted once in each column.",
                       numeric=[False, True, True], sheet="Waiting and matched"))
    for dim, label in DIMENSIONS:
        keys = list(b["waiting"][dim])
        rows: list[list[Cell]] = [[_group_label(dim, k), *(b[p][dim].get(k, 0)
                                                          for p, _ in POPULATIONS)]
                                  for k in keys]
        out.append(Section(label, ["Group", "Waiting", "Matched"], rows, level=3,
                           numeric=[False, True, True]))
    out += outcome_sections(report)
    out += _pool_sections(report)
    trend_headers = ["Month", *(label for _, label in TREND_SERIES)]
    out.append(Section(TRENDS, trend_headers,
                       [[month_label(m["month"]), *(m[k] for k, _ in TREND_SERIES)]
                        for m in report["trends"]],
                       note="Each month's figure as that month's report gives it (the waiting "
                       "list and running matches at the month's end).",
                       numeric=[False, True, True, True, True]))
    detail = report.get("detail")
    if detail:
        out.append(Section(
            "Running matches with no visit in the period (coordinator only)",
            ["Match", "Young person", "Volunteer", "Started", "Last visit"],
            [[d["match_id"], d["young_person"], d["volunteer"], d["start_date"],
              d["last_visit"] or "never"] for d in detail["matches_without_visit"]],
            note="Names: do not publish.", sheet="No visit (coordinator only)"))
        out.append(Section(
            "Longest waits (coordinator only)",
            ["Referral", "Young person", "Accepted", "Days waiting"],
            [[d["referral_id"], d["young_person"], d["accepted_date"],
              d["days_waiting"]] for d in detail["longest_waits"]],
            note="Names: do not publish."))
    return out


def _after_section(section: str | None, report: dict[str, Any]) -> list[Section]:
    """The tables that follow a section's figures."""
    if section == "Referrals":
        return [_counts(report, k) for k in ("referrals_by_source", "referrals_by_legal_status",
                                              "referrals_by_placement", "referrals_by_uasc",
                                              "declines_by_reason", "withdrawals_by_reason")]
    if section == "Matches":
        return [*_match_sections(report), _timeliness(report, "reviews_on_time")]
    if section == "Visits":
        return [_counts(report, "concerns_by_category"),
                _timeliness(report, "escalations_on_time")]
    if section == "Volunteers":
        return [_counts(report, "volunteers_left_by_reason"),
                _timeliness(report, "supervision_on_time")]
    return []


def _match_sections(report: dict[str, Any]) -> list[Section]:
    return [
        Section("Endings by reason", ["Reason", "Matches ended"],
                [[REASON_LABELS.get(k, k), n] for k, n in report["endings_by_reason"].items()],
                level=3, numeric=[False, True]),
        Section("Length of the matches that ended", ["Length", "Matches ended"],
                [[BAND_LABELS.get(k, k), n]
                 for k, n in report["match_length_bands"].items()],
                level=3, numeric=[False, True]),
    ]


# ---------------------------------------------------------------------------------------------
# The annual report's outcomes (``reports.outcomes``): what young people say


def outcome_csv_rows(report: dict[str, Any]) -> list[tuple[str, str, str, object]]:
    """The outcomes in the long CSV: section ``outcomes``; a quote is one row each, its text
    the value."""
    o = report.get("outcomes")
    if o is None:
        return []
    r = o["ratings"]
    rows: list[tuple[str, str, str, object]] = [
        ("outcomes", "reviews_with_young_person", "", o["reviews_with_young_person"]),
        ("outcomes", "words_recorded", "", o["words_recorded"]),
        ("outcomes", "ratings", "count", r["count"]),
        ("outcomes", "ratings", "median", r["median"]),
    ]
    rows += [("outcomes", "ratings_by_score", k, n) for k, n in r["by_score"].items()]
    rows += [("outcomes", "themes", k, n) for k, n in o["themes"].items()]
    rows += [("outcomes", "review_outcomes", k, n) for k, n in o["review_outcomes"].items()]
    rows += [("outcomes", "quote", "", q) for q in o["quotes"]]
    return rows


def outcome_sections(report: dict[str, Any]) -> list[Section]:
    from ivcli.report_figures import RATING_QUESTION, RATINGS, REVIEW_OUTCOMES, THEMES

    o = report.get("outcomes")
    if o is None:
        return []
    r = o["ratings"]
    scale = ", ".join(f"{n} {label.lower()}" for n, label in RATINGS)
    out = [
        Section("Outcomes: what young people say", ["Figure", "Value"], [
            ["Reviews with the young person", _fmt("", o["reviews_with_young_person"])],
            ["of which their words recorded", _fmt("", o["words_recorded"])],
            [f"Answers to \"{RATING_QUESTION}\"", _fmt("", r["count"])],
            ["Median answer (1 to 5)", _fmt("", r["median"])],
        ], note=f"Asked at reviews in the period: {scale}.", numeric=[False, True]),
        Section("Answers by score", ["Answer", "Reviews"],
                [[f"{n} {label.lower()}", _fmt("", r["by_score"][str(n)])]
                 for n, label in RATINGS], level=3, numeric=[False, True]),
        Section("What their visitor makes a difference to", ["Theme", "Reviews"],
                [[label, _fmt("", o["themes"][k])] for k, label in THEMES],
                note="A young person may name several themes.", level=3,
                numeric=[False, True]),
        Section("What the reviews decided", ["Outcome", "Reviews"],
                [[label, _fmt("", o["review_outcomes"][k])] for k, label in REVIEW_OUTCOMES],
                level=3, numeric=[False, True]),
    ]
    if o["quotes"]:
        out.append(Section("In their words", ["Quote"], [[q] for q in o["quotes"]],
                           note="Quoted with each young person's agreement, without names.",
                           level=3))
    return out


def _counts(report: dict[str, Any], key: str) -> Section:
    """A breakdown for commissioners ({group: count}), by its labels; a group without one (a
    scheme's own reason code) as it is stored."""
    from ivcli.report_figures import COUNTS

    _, title, _, groups = next(c for c in COUNTS if c[0] == key)
    labels = dict(groups)
    return Section(title, ["Group", "Count"],
                   [[labels.get(k, k.replace("_", " ").capitalize()), n]
                    for k, n in report[key].items()],
                   level=3, numeric=[False, True])


def _timeliness(report: dict[str, Any], key: str) -> Section:
    from ivcli.report_figures import ON_TIME, TIMELINESS

    _, title, due = next(t for t in TIMELINESS if t[0] == key)
    figures = report[key]
    return Section(title, ["", "Count"],
                   [[due, figures["due"]], *([label, figures[k]] for k, label in ON_TIME)],
                   level=3, numeric=[False, True])


def _share_sections(report: dict[str, Any]) -> list[Section]:
    shares = report.get("looked_after_with_iv_pct")
    if not shares:
        return []
    return [Section(
        "Looked-after children with an Independent Visitor",
        ["Council", "Looked-after children", "With an IV at the end", "Per cent"],
        [[name, s["looked_after"], s["with_iv"], s["pct"]] for name, s in shares.items()],
        note="The looked-after population is the setting report.looked_after_population.",
        numeric=[False, True, True, True], sheet="Looked-after with an IV")]


def _pool_sections(report: dict[str, Any]) -> list[Section]:
    """The approved volunteers beside the young people waiting: ethnicity, faith,
    disability."""
    from ivcli.report_figures import POOL_DIMENSIONS

    pool, waiting = report["volunteer_pool"], report["breakdowns"]["waiting"]
    out = [Section("Volunteer pool beside the waiting list",
                   ["", "Young people waiting", "Approved volunteers"],
                   [["Total", waiting["total"], pool["total"]]],
                   note="Volunteers as they described themselves (voluntary monitoring).",
                   numeric=[False, True, True], sheet="Volunteer pool")]
    for dim, label in POOL_DIMENSIONS:
        if dim == "faith":  # not recorded for young people
            out.append(Section(label, ["Group", "Approved volunteers"],
                               [[_pool_label(k), n] for k, n in pool[dim].items()],
                               level=3, numeric=[False, True]))
            continue
        keys = list(dict.fromkeys([*waiting[dim], *pool[dim]]))
        keys.sort(key=lambda k: k in ("prefer_not_to_say", "not_recorded"))
        out.append(Section(label, ["Group", "Waiting", "Approved volunteers"],
                           [[_pool_label(k), waiting[dim].get(k, 0), pool[dim].get(k, 0)]
                            for k in keys], level=3, numeric=[False, True, True]))
    return out


def _pool_label(key: str) -> str:
    return {"not_recorded": "Not recorded", "prefer_not_to_say": "Prefer not to say",
            "yes": "Yes", "no": "No"}.get(key, key)


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round(v / top * (len(SPARKS) - 1))] for v in values)


# ---------------------------------------------------------------------------------------------
# Terminal


def to_text(report: dict[str, Any], width: int = 100) -> str:
    from rich.console import Console

    buf = io.StringIO()
    _print(Console(file=buf, width=width, color_system=None, highlight=False,
                   soft_wrap=False), report)
    return buf.getvalue()


def print_table(report: dict[str, Any]) -> None:
    from ivcli.render import console

    _print(console(), report)


def _print(con: Any, report: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    from ivcli.report_figures import TREND_SERIES

    con.print(Text(title(report), style="bold"))
    con.print(Text(subtitle(report)))
    for sec in sections(report):
        if sec.title == TRENDS:
            months = report["trends"]
            table = Table(title=Text(f"12-month trends, {month_label(months[0]['month'])} to "
                                     f"{month_label(months[-1]['month'])}"),
                          title_justify="left", header_style="bold")
            for h in ("Series", "Trend", "Low", "High", "Last month"):
                table.add_column(Text(h), justify="left" if h in ("Series", "Trend")
                                 else "right")
            for key, label in TREND_SERIES:
                values = [int(m[key]) for m in months]
                table.add_row(Text(label), Text(sparkline(values)), Text(str(min(values))),
                              Text(str(max(values))), Text(str(values[-1])))
            con.print(table)
            continue
        table = Table(title=Text(sec.title), title_justify="left", header_style="bold")
        for i, h in enumerate(sec.headers):
            numeric = sec.numeric[i] if i < len(sec.numeric) else False
            table.add_column(Text(h), justify="right" if numeric else "left", overflow="fold")
        for row in sec.rows:
            table.add_row(*(Text(safe_text(cell_text(c))) for c in row))
        con.print(table)
        if sec.note:
            con.print(Text(sec.note, style="dim"))


# ---------------------------------------------------------------------------------------------
# Markdown

# Escaped wherever they stand: emphasis, code, links and images, HTML and autolinks, quotes,
# table cells, strikethrough, an entity (&amp; but not a lone &) and the escape itself. Not "-"
# or "." in a date or an amount (2026-11-01, £12.60): Markdown leaves them alone, and a reader
# would see the backslashes in an email.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~]|&(?=#?\w+;))")
# Special only at the start of a line: a heading, a list item or a rule.
_MD_LINE_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|[-+=]+(?=\s|$)|\d{1,9}(?=[.)](?:\s|$)))")


def md_escape(value: str) -> str:
    """Plain text in Markdown (a table cell, a heading, a paragraph): only what Markdown would
    read as markup is escaped, so dates, amounts and ordinary punctuation read as they are."""
    text = _MD_INLINE.sub(r"\\\1", safe_text(value))

    def lead(m: re.Match[str]) -> str:
        marker = m.group(2)
        if marker[:1].isdigit():  # "1." or "1)": escape what follows the number
            return m.group(1) + marker + "\\"
        return m.group(1) + "\\" + marker

    return _MD_LINE_START.sub(lead, text, count=1)


def _md_table(sec: Section) -> list[str]:
    lines = ["| " + " | ".join(md_escape(h) for h in sec.headers) + " |",
             "| " + " | ".join("---:" if (sec.numeric[i] if i < len(sec.numeric) else False)
                               else "---" for i in range(len(sec.headers))) + " |"]
    lines += ["| " + " | ".join(md_escape(cell_text(c)) for c in row) + " |"
              for row in sec.rows]
    return lines


def to_markdown(report: dict[str, Any]) -> str:
    lines = [f"# {md_escape(title(report))}", "", md_escape(subtitle(report)), ""]
    for sec in sections(report):
        lines += [f"{'#' * sec.level} {md_escape(sec.title)}", ""]
        if sec.note:
            lines += [md_escape(sec.note), ""]
        lines += [*_md_table(sec), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# HTML: one self-contained file, no scripts, no external references

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f2f2f2; }
.note { color: #555; font-size: 0.9rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr));
          gap: 1rem; }
figure { margin: 0; } figure svg { width: 100%; height: auto; }
figcaption { font-weight: 600; }
"""


def _h(value: object) -> str:
    import html

    return html.escape(safe_text(value), quote=True)


def _html_table(sec: Section) -> list[str]:
    def cls(i: int) -> str:
        return ' class="n"' if i < len(sec.numeric) and sec.numeric[i] else ""

    out = ["<table>", "<thead><tr>"
           + "".join(f"<th{cls(i)} scope=\"col\">{_h(h)}</th>" for i, h in enumerate(sec.headers))
           + "</tr></thead>", "<tbody>"]
    for row in sec.rows:
        out.append("<tr>" + "".join(f"<td{cls(i)}>{_h(cell_text(c))}</td>"
                                    for i, c in enumerate(row))
                   + "</tr>")
    out += ["</tbody>", "</table>"]
    return out


def to_html(report: dict[str, Any]) -> str:
    from ivcli import charts

    name = _h(title(report))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{name}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{name}</h1>",
        f'<p class="note">{_h(subtitle(report))}</p>',
    ]
    ordered = sections(report)
    ordered.sort(key=lambda sec: sec.title != TRENDS)  # the charts first: people look at them
    for sec in ordered:
        tag = f"h{sec.level}"
        parts.append(f"<{tag}>{_h(sec.title)}</{tag}>")
        if sec.title == TRENDS:
            parts.append('<div class="charts">')
            for chart_title, svg in charts.trend_svgs(report["trends"]):
                parts += [f'<figure role="img" aria-label="{_h(chart_title)}">',
                          f"<figcaption>{_h(chart_title)}</figcaption>", svg, "</figure>"]
            parts.append("</div>")
        if sec.note:
            parts.append(f'<p class="note">{_h(sec.note)}</p>')
        parts += _html_table(sec)
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Spreadsheet: one sheet per section, numbers as numbers, every text cell a string

SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MONEY_FORMAT = '"£"#,##0.00'
TEXT_MAX = 32_767  # the most characters an Excel cell holds


def _sheet_name(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/ or a backslash,
    unique (ignoring case)."""
    base = _SHEET_FORBIDDEN.sub(" ", title).strip("' ")[:SHEET_NAME_MAX].strip() or "Sheet"
    name, n = base, 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name, n = base[:SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    used.add(name.casefold())
    return name


def to_xlsx(report: dict[str, Any]) -> bytes:
    """The report as an .xlsx workbook: a first sheet with the title and every figure's
    definition, then one sheet per section (its tables one under another). Numbers and
    amounts are number cells; all text (hidden counts such as <5, ethnicity as recorded,
    names in --detail) is a string cell, so nothing is ever read as a formula."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from ivcli.report_figures import COUNTS, FIGURES

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(ws: Any, value: Cell, *, strong: bool = False) -> Any:
        if isinstance(value, Money):
            c = WriteOnlyCell(ws, value=Decimal(value.pence) / 100)
            c.number_format = MONEY_FORMAT
        elif isinstance(value, bool) or not isinstance(value, int | float):
            c = WriteOnlyCell(ws, value=None)
            if value is not None:
                c.value = safe_text(value)[:TEXT_MAX]
                c.data_type = "s"  # never a formula (=), an error code (#N/A) or a number
        else:
            c = WriteOnlyCell(ws, value=value)
        if strong:
            c.font = bold
        return c

    def row(ws: Any, values: list[Cell], *, strong: bool = False) -> None:
        ws.append([cell(ws, v, strong=strong) for v in values])

    used: set[str] = set()
    ws = wb.create_sheet(_sheet_name("Report", used))
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 44
    ws.column_dimensions["C"].width = 90
    row(ws, [title(report)], strong=True)
    row(ws, [subtitle(report)])
    row(ws, [])
    row(ws, ["Key", "Figure", "Definition"], strong=True)
    for fig in FIGURES:
        row(ws, [fig.key, fig.label, fig.definition])
    for key, label, definition, _ in COUNTS:
        row(ws, [key, label, definition])
    for sec in sections(report):
        if sec.level == 2:
            ws = wb.create_sheet(_sheet_name(sec.sheet or sec.title, used))
            ws.column_dimensions["A"].width = 40
            for col in "BCDEF":
                ws.column_dimensions[col].width = 18
        else:
            row(ws, [])
        row(ws, [sec.title], strong=True)
        if sec.note:
            row(ws, [sec.note])
        row(ws, list(sec.headers), strong=True)
        for values in sec.rows:
            row(ws, values)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
