"""The 12-month trend charts, drawn with matplotlib (Agg backend) as inline SVG.

matplotlib is imported here only, when an html report is made. The SVG is made fit to sit
inside an HTML page that works offline and is the same byte for byte on every run: no XML
prologue, no metadata (which carries a date and external URLs), no namespace URLs, fixed ids,
each chart's own (``prefix_ids``), so that ids are unique in the page.
"""

from __future__ import annotations

import io
import re
from typing import Any

SERIES: tuple[tuple[str, str, str], ...] = (
    ("referrals_received", "Referrals received each month", "bar"),
    ("waiting_at_end", "Waiting list at the end of each month", "line"),
    ("active_at_end", "Matches running at the end of each month", "line"),
    ("visits", "Visits each month", "bar"),
)
COLOUR = "#1d70b8"
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)


def clean_svg(svg: str) -> str:
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _METADATA.sub("", svg)
    svg = _COMMENT.sub("", svg)
    svg = _XMLNS.sub("", svg)
    return svg.replace("xlink:href=", "href=").strip()


_ID = re.compile(r'(\bid="|\bhref="#|url\(#)([^")]+)')


def prefix_ids(svg: str, prefix: str) -> str:
    """Every id in ``svg``, and every reference to one (href="#..", url(#..)), with ``prefix``:
    matplotlib numbers them from 1 in each figure, so charts on one page would share them."""
    return _ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)


def _label(month: str) -> str:
    year, mon = month.split("-")
    return f"{MONTH_ABBR[int(mon) - 1]}\n{year}" if mon == "01" else MONTH_ABBR[int(mon) - 1]


def trend_svgs(trends: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(title, inline SVG) for each trend series."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    labels = [_label(m["month"]) for m in trends]
    if labels and "\n" not in labels[0]:
        labels[0] = f"{labels[0]}\n{trends[0]['month'][:4]}"
    xs = list(range(len(trends)))
    out = []
    with matplotlib.rc_context({"svg.hashsalt": "ivcli-report", "svg.fonttype": "path",
                                "font.size": 9, "axes.spines.top": False,
                                "axes.spines.right": False}):
        for key, chart_title, kind in SERIES:
            values = [int(m[key]) for m in trends]
            fig = Figure(figsize=(6.0, 2.6), dpi=96)
            ax = fig.add_subplot()
            if kind == "bar":
                ax.bar(xs, values, color=COLOUR, width=0.7)
            else:
                ax.plot(xs, values, color=COLOUR, marker="o", linewidth=2, markersize=4)
            for x, v in zip(xs, values, strict=True):
                ax.annotate(str(v), (x, v), textcoords="offset points", xytext=(0, 3),
                            ha="center", fontsize=7, color="#333333")
            ax.set_xticks(xs, labels)
            ax.set_ylim(bottom=0, top=max(1, max(values, default=0)) * 1.18)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
            ax.set_axisbelow(True)
            fig.tight_layout()
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None,
                                                     "Format": None, "Type": None})
            out.append((chart_title, prefix_ids(clean_svg(buf.getvalue()), f"{key}-")))
    return out
