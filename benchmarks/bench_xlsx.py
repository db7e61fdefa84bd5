"""Council files as they come: a saved mapping and an .xlsx sheet, each against a baseline
measured in the same run (best of N, interleaved).

Targets (issue 15):
- importing the 25-row example referral file (docs/examples/referrals.csv, its headers renamed
  to ones ivcli does not know) with no flags, through the mapping saved for it: <= 1.5x
  `ivcli --help`;
- importing a 5,000-row .xlsx referral sheet (dates as Excel dates): <= 3x the same rows as CSV.

Each import goes into a fresh copy of a database that holds only the saved mapping.

    python benchmarks/bench_xlsx.py [--rows 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import IVCLI, ROOT, run, verdict  # noqa: E402

from ivcli.demo import write_referrals_csv  # noqa: E402

EXAMPLE = ROOT / "docs" / "examples" / "referrals.csv"
# The example's headers that ivcli knows, renamed to ones it does not (a council's own names).
RENAMED = {"Forename": "Child Given 1", "Surname": "Child Family 1", "DOB": "Born On (Child)",
           "Referral Date": "Date Received By Service", "Consent": "YP Agrees"}
MAPS = ["Child Given 1=first_name", "Child Family 1=last_name",
        "Born On (Child)=date_of_birth", "Date Received By Service=referral_date",
        "YP Agrees=consent"]


def council_file(path: Path, header_only: bool = False) -> Path:
    with open(EXAMPLE, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[0] = [RENAMED.get(h, h) for h in rows[0]]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[:1] if header_only else rows)
    return path


def as_xlsx(csv_path: Path, path: Path) -> Path:
    """The CSV as Excel saves a sheet: dates as date cells, text in the shared strings table
    (openpyxl writes text inline, which Excel and LibreOffice never do, and which reads several
    times slower)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Referrals")
    with open(csv_path, encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh)):
            sheet.append(row if i == 0 else [_cell(c) for c in row])
    inline = path.with_suffix(".inline.xlsx")
    book.save(inline)
    _share_strings(inline, path)
    inline.unlink()
    return path


_INLINE = re.compile(r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t[^>]*>(.*?)</t>'
                     r"</is></c>", re.S)


def _share_strings(source: Path, target: Path) -> None:
    strings: dict[str, int] = {}

    def shared(m: re.Match[str]) -> str:
        index = strings.setdefault(m.group(3), len(strings))
        return f'<c r="{m.group(1)}"{m.group(2) or ""} t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w",
                                                          zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename).decode("utf-8")
            if item.filename.startswith("xl/worksheets/sheet"):
                data = _INLINE.sub(shared, data)
                # Excel states the sheet's size; openpyxl's writer does not, and without it
                # openpyxl's reader reads the whole sheet once more to look for it.
                last = re.findall(r'<c r="([A-Z]+[0-9]+)"', data[-4000:])[-1]
                data = data.replace("<sheetViews>", f'<dimension ref="A1:{last}"/><sheetViews>',
                                    1)
            elif item.filename == "[Content_Types].xml":
                data = data.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" '
                                    'ContentType="application/vnd.openxmlformats-officedocument'
                                    '.spreadsheetml.sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", '<Relationship Id="rIdShared" '
                                    'Type="http://schemas.openxmlformats.org/officeDocument/2006'
                                    '/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    "</Relationships>")
            zout.writestr(item, data)
        table = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in strings)
        zout.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/'
                      f'spreadsheetml/2006/main" count="{len(strings)}" '
                      f'uniqueCount="{len(strings)}">{table}</sst>')


def _cell(text: str) -> object:
    for form in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            pass
    return text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        base = tmpdir / "base.db"
        db = tmpdir / "ivcli.db"
        council = council_file(tmpdir / "council.csv")
        maps = [a for m in MAPS for a in ("--map", m)]
        # The saved mapping alone: a header-only file imports nothing and saves it.
        run([*IVCLI, "--db", str(base), "referral", "import",
             str(council_file(tmpdir / "header.csv", header_only=True)), *maps,
             "--save-map", "council", "-q"])

        def fresh() -> None:
            for p in tmpdir.glob("ivcli.db*"):
                p.unlink()
            shutil.copy(base, db)

        big_csv = write_referrals_csv(tmpdir / "big.csv", args.rows)
        big_xlsx = as_xlsx(big_csv, tmpdir / "big.xlsx")
        mapped = [*IVCLI, "--db", str(db), "referral", "import", str(council), "-q"]
        plain = [*IVCLI, "--db", str(db), "referral", "import", str(EXAMPLE), "-q"]
        help_ = [*IVCLI, "--help"]
        as_csv = [*IVCLI, "--db", str(db), "referral", "import", str(big_csv), "-q"]
        as_sheet = [*IVCLI, "--db", str(db), "referral", "import", str(big_xlsx), "-q"]
        run(help_)
        run(mapped, setup=fresh)  # warm the bytecode caches
        times: dict[str, list[float]] = {"help": [], "mapped": [], "plain": [], "csv": [],
                                         "xlsx": []}
        for _ in range(args.repeat):  # interleaved, so load on the machine hits each alike
            times["help"].append(run(help_)[0])
            times["mapped"].append(run(mapped, setup=fresh)[0])
            times["plain"].append(run(plain, setup=fresh)[0])
            times["csv"].append(run(as_csv, setup=fresh)[0])
            times["xlsx"].append(run(as_sheet, setup=fresh)[0])
        t = {k: min(v) for k, v in times.items()}
        print(f"ivcli --help: {t['help'] * 1000:.0f} ms   25-row example through the saved "
              f"mapping, no flags: {t['mapped'] * 1000:.0f} ms   (best of {args.repeat})")
        ok &= verdict("saved-mapping import / --help", t["mapped"] / t["help"], 1.5)
        print(f"  (the example with its own headers, no mapping at all: {t['plain'] * 1000:.0f}"
              f" ms, {t['plain'] / t['help']:.2f}x --help: what the saved mapping adds is the "
              "difference)")
        print(f"{args.rows:,} rows as CSV: {t['csv']:.2f} s   as .xlsx: {t['xlsx']:.2f} s")
        ok &= verdict(".xlsx / CSV", t["xlsx"] / t["csv"], 3.0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
