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
    "other": "Other", "not_recorded": "Not recorded",
}
BAND_LABELS = {"under_6_months": "Under 6 months", "6_to_12_months": "6 to 12 months",
               "1_to_2_years": "1 to 2 years", "2_years_and_over": "2 years and over"}
TRENDS = "12-month trends"
SPARKS = "▁▂▃▄▅▆▇█"
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    level: int = 2
    note: str | None = None
    numeric: list[bool] = field(default_factory=list)


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


# ---------------------------------------------------------------------------------------------
# Machine formats


def to_json(report: dict[str, Any]) -> str:
    """Byte-identical for the same report: sorted keys, ASCII only (every other character as a
    \\u escape, so no control or bidi character reaches a terminal)."""
    return json.dumps(report, sort_keys=True, indent=2, ensure_ascii=True) + "\n"


def csv_rows(report: dict[str, Any]) -> list[tuple[str, str, str, object]]:
    """Long format: section, item, group, value."""
    from ivcli.report_figures import FIGURE_KEYS

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
    for population, section in report["breakdowns"].items():
        rows.append((population, "total", "", section["total"]))
        for dim, cells in section.items():
            if dim != "total":
                rows.extend((population, dim, group, n) for group, n in cells.items())
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


def _fmt(key: str, value: object) -> str:
    if value is None:
        return "none"
    if key == "expenses_total" and isinstance(value, int):
        from ivcli.parsing import format_pence

        return "£" + format_pence(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
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
            if current == "Matches":
                out += _match_sections(report)
            current = fig.section
            out.append(Section(current, ["Figure", "Value"], [], numeric=[False, True]))
        out[-1].rows.append([fig.label, _fmt(fig.key, report[fig.key])])
    b = report["breakdowns"]
    heads = [label for _, label in POPULATIONS]
    out.append(Section("Young people waiting and matched", ["", *heads],
                       [["Total", *(str(b[p]["total"]) for p, _ in POPULATIONS)]],
                       note="Each young person is counted once in each column.",
                       numeric=[False, True, True]))
    for dim, label in DIMENSIONS:
        keys = list(b["waiting"][dim])
        rows = [[_group_label(dim, k), *(str(b[p][dim].get(k, 0)) for p, _ in POPULATIONS)]
                for k in keys]
        out.append(Section(label, ["Group", "Waiting", "Matched"], rows, level=3,
                           numeric=[False, True, True]))
    out += outcome_sections(report)
    trend_headers = ["Month", *(label for _, label in TREND_SERIES)]
    out.append(Section(TRENDS, trend_headers,
                       [[month_label(m["month"]), *(str(m[k]) for k, _ in TREND_SERIES)]
                        for m in report["trends"]],
                       note="Each month's figure as that month's report gives it (the waiting "
                       "list and running matches at the month's end).",
                       numeric=[False, True, True, True, True]))
    detail = report.get("detail")
    if detail:
        out.append(Section(
            "Running matches with no visit in the period (coordinator only)",
            ["Match", "Young person", "Volunteer", "Started", "Last visit"],
            [[str(d["match_id"]), d["young_person"], d["volunteer"], d["start_date"],
              d["last_visit"] or "never"] for d in detail["matches_without_visit"]],
            note="Names: do not publish."))
        out.append(Section(
            "Longest waits (coordinator only)",
            ["Referral", "Young person", "Accepted", "Days waiting"],
            [[str(d["referral_id"]), d["young_person"], d["accepted_date"],
              str(d["days_waiting"])] for d in detail["longest_waits"]],
            note="Names: do not publish."))
    return out


def _match_sections(report: dict[str, Any]) -> list[Section]:
    return [
        Section("Endings by reason", ["Reason", "Matches ended"],
                [[REASON_LABELS.get(k, k), str(n)] for k, n in report["endings_by_reason"].items()],
                level=3, numeric=[False, True]),
        Section("Length of the matches that ended", ["Length", "Matches ended"],
                [[BAND_LABELS.get(k, k), str(n)]
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
            table.add_row(*(Text(safe_text(c)) for c in row))
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
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in sec.rows]
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
        out.append("<tr>" + "".join(f"<td{cls(i)}>{_h(c)}</td>" for i, c in enumerate(row))
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
