"""Parsing of values typed by a coordinator or found in a council CSV. Standard library only.

Each parser returns a clean value or raises ``ValueError`` with a message that says what is wrong
and what is expected, without repeating the value (it may be a child's date of birth); callers add
the record or CSV line and column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_NUMERIC = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})$")
_WORDY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{1,4})$")
DATE_FORMATS = "2026-01-31, 31/01/2026, 31-01-2026, 31.01.2026 or 31 Jan 2026"
# A time after the date, as case-system exports write a date-only value (07/06/2012 00:00,
# 2012-06-07T00:00:00): accepted when it is midnight, refused otherwise.
_TIME = re.compile(r"^(.*?\d)(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$")


def _build(year: int, month: int, day: int, text: str) -> date:
    if month < 1 or month > 12:
        hint = " (dates are day first: 31/01/2026)" if 1 <= day <= 12 < month else ""
        raise ValueError(f"there is no month {month}{hint}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("not a real date (that day does not exist in that month)") from None


def parse_date(text: str) -> date:
    """ISO ``2026-01-31`` or UK day-first dates. Never month-first; years in full. A time
    of midnight after the date (``07/06/2012 00:00``, ``2012-06-07T00:00:00``) is allowed;
    any other time of day is refused."""
    s = text.strip()
    t = _TIME.match(s)
    if not t:
        return _day(s, text)
    day = _day(t.group(1), text)
    if any(int(part) for part in t.groups()[1:] if part):
        raise ValueError("has a time of day; give the date only (31/01/2026), or a time of "
                         "00:00")
    return day


def _day(s: str, text: str) -> date:
    m = _NUMERIC.match(s)
    if m:
        a, sep, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
        if len(a) == 4:
            if sep != "-":
                raise ValueError(f"not a date; use {DATE_FORMATS}")
            return _build(int(a), int(b), int(c), text)
        if len(c) != 4:
            raise ValueError("two-digit year; write the year in full (31/01/2026)")
        return _build(int(c), int(b), int(a), text)
    m = _WORDY.match(s)
    if m:
        month = MONTHS.get(m.group(2).lower())
        if month is None:
            raise ValueError(f"not a date; use {DATE_FORMATS}")
        if len(m.group(3)) != 4:
            raise ValueError("two-digit year; write the year in full (31 Jan 2026)")
        return _build(int(m.group(3)), month, int(m.group(1)), text)
    raise ValueError(f"not a date; use {DATE_FORMATS}")


YES = frozenset({"yes", "y", "true", "t", "1"})
NO = frozenset({"no", "n", "false", "f", "0"})


def parse_yes_no(text: str) -> bool | None:
    """yes/no/y/n/true/false/1/0 in any case; blank is unknown (None)."""
    s = text.strip().lower()
    if not s:
        return None
    if s in YES:
        return True
    if s in NO:
        return False
    raise ValueError("not yes or no (use yes/no, y/n, true/false or 1/0; blank if not known)")


_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015/")


def name_key(text: str) -> str:
    """THE folding of a name, for identity, possible duplicates and finding people: NFKD with
    the combining marks stripped (Zoë is Zoe), case-folded, punctuation and symbols dropped
    (O'Brien is OBrien, J.R. is JR), hyphens, slashes and spaces as one space. Stored in the
    ``name_key``, ``first_key`` and ``last_key`` columns when a record is written, so that SQL
    compares and searches plain text (no database function)."""
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    out = []
    for ch in s:
        if unicodedata.combining(ch):
            continue
        cat = unicodedata.category(ch)
        if ch in _HYPHENS or ch.isspace() or cat.startswith("Z"):
            out.append(" ")
        elif not cat.startswith(("P", "S", "C")):
            out.append(ch)
    return " ".join("".join(out).split())


def name_query(text: str) -> list[str]:
    """The words of a name typed to find someone (``--name``), folded as ``name_key``: each must
    appear in the person's key for them to be found."""
    return name_key(text).split()


GENDERS = {
    "f": "female",
    "female": "female",
    "girl": "female",
    "woman": "female",
    "m": "male",
    "male": "male",
    "boy": "male",
    "man": "male",
    "non-binary": "non-binary",
    "nonbinary": "non-binary",
    "non binary": "non-binary",
    "nb": "non-binary",
}


def normalise_gender(text: str) -> str | None:
    s = " ".join(text.split())
    if not s:
        return None
    return GENDERS.get(s.lower(), s)


MAX_PENCE = 100_000_000  # £1,000,000.00: the most any one amount of money can be
_MONEY = re.compile(r"^([0-9]*)(?:\.([0-9]*))?$")
NOT_MONEY = "not an amount of money (pounds and pence, e.g. 12.65)"


def over_limit(maximum: int, setting: str | None = None) -> str:
    """The message for an amount over ``maximum`` pence (``setting`` names where it is set)."""
    where = f" (setting {setting})" if setting else ""
    return f"more than £{format_pence(maximum)}, the most allowed{where}"


def parse_money(text: str, maximum: int = MAX_PENCE, setting: str | None = None) -> int:
    """Pounds and pence (``12.65``, ``£3``, ``1,234.50``) to whole pence, exactly, from 0 to
    ``maximum`` pence (never more than ``MAX_PENCE``, so that no sum of amounts ivcli holds can
    overflow). No signs, exponents, infinities or fractions of a penny."""
    s = text.strip().replace("£", "").replace(",", "")
    m = _MONEY.match(s)
    if not m or not (m.group(1) or m.group(2)):
        raise ValueError(NOT_MONEY)
    pounds, decimals = m.group(1).lstrip("0"), (m.group(2) or "").rstrip("0")
    if len(decimals) > 2:
        raise ValueError("fractions of a penny are not allowed (pounds and pence, e.g. 12.65)")
    maximum = min(maximum, MAX_PENCE)
    if len(pounds) > len(str(MAX_PENCE)):  # far too big: not worth converting
        raise ValueError(over_limit(maximum, setting))
    pence = int(pounds or "0") * 100 + int((decimals + "00")[:2])
    if pence > maximum:
        raise ValueError(over_limit(maximum, setting))
    return pence


def format_pence(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}{pence // 100}.{pence % 100:02d}"


def add_years(d: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a common year.

    The one rule for "N years after" (expiry of checks, retention, birthdays): a check issued on
    29 February 2024 for 3 years lapses on 1 March 2027, and someone born on 29 February turns
    18 on 1 March in a common year, as ``age_on`` and ``latest_birth_date`` count it (and as
    SQLite's ``date(d, '+N years')`` computes it).
    """
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a common year
        return date(d.year + years, 3, 1)


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def age_on(date_of_birth: date, on: date) -> int:
    """Whole years on ``on``: the largest N with ``add_years(date_of_birth, N) <= on`` (someone
    born on 29 February is a year older on 1 March in a common year)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def latest_birth_date(on: date, years: int) -> date:
    """The latest date of birth of someone ``years`` or more old on ``on`` (``age_on``): born on
    or before it, they are; after it, they are younger. Compared with a stored ISO date of
    birth, it puts ages into SQL portably (no date arithmetic in SQL); someone born on 29
    February is ``years`` old on 1 March in a common year, as ``age_on`` counts it."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February, ``years`` before falls in a common year
        return date(on.year - years, 2, 28)


_LIST_SEPARATORS = re.compile(r"[;,\n]")


def course_key(text: str) -> str:
    """A training course's name as it is kept: lower case, single spaces as underscores
    (``Safeguarding level 2`` is ``safeguarding_level_2``); the same for ``volunteer training
    --course`` and the setting ``training.required``."""
    return "_".join(text.lower().split())


def split_list(text: str | None) -> list[str]:
    """A list typed as text ("football; drawing, swimming", or one item a line): the items,
    spaces collapsed, blanks dropped, in order. The one place that splits such text."""
    if not text:
        return []
    return [p for p in (" ".join(x.split()) for x in _LIST_SEPARATORS.split(text)) if p]


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(text: str) -> str | None:
    s = text.strip()
    if not s:
        return None
    if not _EMAIL.match(s):
        raise ValueError("not an email address")
    return s
