"""When an event happened: date expressions resolved against the publication time.

:func:`find_dates` lists every date expression in a text with its offsets, the date it means
and ACLED's ``time_precision`` (1 day, 2 week, 3 month):

- absolute: "6 May 2020", "May 6, 2020", "06 Jul 16", "2020-05-06", "6/5/2020" (day first);
- day and month without a year: "on 6 May", "May 6": the latest such day not after the
  publication day (a day in the future is last year's);
- relative: "today", "this morning", "tonight" (the publication day), "yesterday", "last night"
  (the day before), "on Friday" / "Friday night" (the latest Friday not after the publication
  day; "last Friday" strictly before it), "N days ago";
- weeks (precision 2): "last week", "this week", "earlier this week", "over the weekend";
- months (precision 3): "last month", "this month", "in May", "in May 2020", "earlier this month".

Hand-written rules (no dateparser): they are exact about what they accept, cost microseconds and
report offsets. Other languages (``language``: fr, es, pt, ru, uk, ar) use the same resolution
with their own month, weekday and relative-day words (:mod:`etl.tagging.events.lang`): "12 mai
2026", "12 de mayo", "12 мая", "hier", "вчора", "أمس", "le vendredi". :func:`event_date` picks
the date an event happened: the first expression (the lede states when), else the publication
day with precision 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from etl.tagging.events.lang import vocabulary

DAY, WEEK, MONTH = 1, 2, 3
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6}
_M = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_D = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_Y = r"(?P<year>(?:19|20)\d\d|'?\d\d)"
_W = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "a": 1, "an": 1}

# (pattern, kind) in priority order; earlier patterns win an overlap
_PATTERNS = [
    (re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"), "iso"),
    (re.compile(r"\b(?P<day>[0-3]?\d)/(?P<month>[01]?\d)/(?P<year>(?:19|20)\d\d)\b"), "dmy"),
    (re.compile(r"\b" + _D + r"(?:\s+of\s+|\s+|-)" + _M + r"(?:,?\s+|-)" + _Y + r"\b", re.I),
     "dmy"),
    (re.compile(r"\b" + _M + r"\s+" + _D + r",?\s+" + _Y + r"\b", re.I), "mdy"),
    (re.compile(r"\b" + _D + r"(?:\s+of)?\s+" + _M + r"(?![a-z])", re.I), "dm"),
    (re.compile(r"\b" + _M + r"\s+" + _D + r"\b(?!\s*(?:km|kilomet|mile|%|percent))", re.I),
     "md"),
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b", re.I), "minus2"),
    (re.compile(r"\byesterday\b|\blast\s+night\b|\bovernight\b", re.I), "minus1"),
    (re.compile(r"\b(?:today|this\s+(?:morning|afternoon|evening)|tonight|earlier\s+today)\b",
                re.I), "today"),
    (re.compile(r"\b(?P<n>\d+|" + "|".join(_NUM_WORDS) + r")\s+days?\s+ago\b", re.I), "ago"),
    (re.compile(r"\blast\s+" + _W + r"\b", re.I), "lastweekday"),
    (re.compile(r"(?:\b(?:on|since|late|early|by|from|until|this)\s+)?\b" + _W + r"\b", re.I),
     "weekday"),
    (re.compile(r"\b(?:over\s+|during\s+|at\s+)?the\s+(?:past\s+|last\s+)?weekend\b", re.I),
     "weekend"),
    (re.compile(r"\b(?:last|past|previous)\s+week\b", re.I), "lastweek"),
    (re.compile(r"\b(?:earlier\s+)?this\s+week\b", re.I), "thisweek"),
    (re.compile(r"\b(?:last|past|previous)\s+month\b", re.I), "lastmonth"),
    (re.compile(r"\b(?:earlier\s+)?this\s+month\b", re.I), "thismonth"),
    (re.compile(r"\b(?:in|during|since|early|late|mid-?)\s+" + _M + r"(?:\s+" + _Y + r")?\b",
                re.I), "month"),
]


@dataclass(frozen=True)
class DateMention:
    """A date expression: the date it means, ACLED's time_precision and its offsets."""

    date: date
    precision: int
    start: int
    end: int
    text: str


MAX_DAYS_AGO = 3660  # "N days ago" beyond ten years is no event's date: discarded


def _day(value: datetime | date | None) -> date:
    if value is None:
        return datetime.now().date()
    return value.date() if isinstance(value, datetime) else value


def _year(raw: str) -> int:
    raw = raw.lstrip("'")
    return int(raw) + (2000 if len(raw) == 2 else 0)


def _month(raw: str) -> int:
    return int(raw) if raw.isdigit() else MONTHS[raw.lower().rstrip(".")]


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _no_year(month: int, day: int, pub: date) -> date | None:
    d = _safe(pub.year, month, day)
    if d and d > pub + timedelta(days=1):
        d = _safe(pub.year - 1, month, day)
    return d


def _resolve(kind: str, m: re.Match, pub: date) -> tuple[date, int] | None:
    g = m.groupdict()
    if kind in ("iso", "dmy", "mdy"):
        d = _safe(_year(g["year"]), _month(g["month"]), int(g["day"]))
        return (d, DAY) if d else None
    if kind in ("dm", "md"):
        d = _no_year(_month(g["month"]), int(g["day"]), pub)
        return (d, DAY) if d else None
    if kind == "minus2":
        return pub - timedelta(days=2), DAY
    if kind == "minus1":
        return pub - timedelta(days=1), DAY
    if kind == "today":
        return pub, DAY
    if kind == "ago":
        n = g["n"].lower()
        if n.isdigit() and len(n) > 4:
            return None  # "800000 days ago": no report dates an event so (nor can a date)
        days = int(n) if n.isdigit() else _NUM_WORDS[n]
        return (pub - timedelta(days=days), DAY) if days <= MAX_DAYS_AGO else None
    if kind in ("weekday", "lastweekday"):
        back = (pub.weekday() - WEEKDAYS[g["weekday"].lower()]) % 7
        if kind == "lastweekday" and back == 0:
            back = 7
        return pub - timedelta(days=back), DAY
    if kind == "weekend":
        back = (pub.weekday() - 5) % 7  # the latest Saturday
        return pub - timedelta(days=back), WEEK
    if kind == "lastweek":
        return pub - timedelta(days=7), WEEK
    if kind == "thisweek":
        return pub, WEEK
    if kind == "lastmonth":
        first = pub.replace(day=1) - timedelta(days=1)
        return first.replace(day=15), MONTH
    if kind == "thismonth":
        return pub.replace(day=min(15, pub.day)), MONTH
    if kind == "ldm":  # another language's "12 mai (2026)"
        month = next(int(k[1:]) + 1 for k, v in g.items() if k[0] == "m" and v)
        if g.get("year"):
            d = _safe(int(g["year"]), month, int(g["day"]))
        else:
            d = _no_year(month, int(g["day"]), pub)
        return (d, DAY) if d else None
    if kind == "lrel":
        return pub - timedelta(days=g["days"]), DAY
    if kind == "lweekday":
        index = next(int(k[1:]) for k, v in g.items() if k[0] == "w" and v)
        return pub - timedelta(days=(pub.weekday() - index) % 7), DAY
    if kind == "month":
        month = _month(g["month"])
        year = _year(g["year"]) if g.get("year") else pub.year
        if not g.get("year") and month > pub.month:
            year -= 1
        return date(year, month, 15), MONTH
    return None


def _resolved(kind: str, m: re.Match, pub: date) -> tuple[date, int] | None:
    """:func:`_resolve`, or None for an expression no calendar date answers (never raises:
    "3 days ago" of a publication date in year 1, a month of a year before 1)."""
    try:
        return _resolve(kind, m, pub)
    except (ValueError, OverflowError, KeyError):
        return None


@cache
def _language_patterns(language: str | None) -> list[tuple[re.Pattern, str]] | None:
    """The numeric patterns, then ``language``'s month, relative-day and weekday words."""
    vocab = vocabulary(language)
    if vocab is None:
        return None
    months = "|".join(f"(?P<m{i}>{p})" for i, p in enumerate(vocab.MONTHS))
    weekdays = "|".join(f"(?P<w{i}>{p})" for i, p in enumerate(vocab.WEEKDAYS))
    relative = "|".join(re.escape(w) for w in sorted(vocab.RELATIVE, key=len, reverse=True))
    return _PATTERNS[:2] + [
        (re.compile(r"(?<!\w)(?P<day>[0-3]?\d)(?:er|-?го|-?е)?\s+(?:de\s+)?(?:" + months
                    + r")(?:\s+(?:de\s+|del\s+)?(?P<year>(?:19|20)\d\d))?(?!\w)", re.I), "ldm"),
        (re.compile(r"(?<!\w)(?P<rel>" + relative + r")(?!\w)", re.I), "lrel"),
        (re.compile(r"(?<!\w)(?:" + weekdays + r")(?!\w)", re.I), "lweekday"),
    ]


def find_dates(text: str, published: datetime | date | None = None,
               language: str | None = None) -> list[DateMention]:
    """Every date expression in ``text`` in reading order, resolved against ``published``;
    ``language`` chooses the words (English when it has no tables)."""
    pub = _day(published)
    # the characters of the dates taken: an overlap test in the expression's length (linear)
    covered = bytearray(len(text))
    found: list[DateMention] = []
    patterns = _language_patterns(language) or _PATTERNS
    relative = vocabulary(language).RELATIVE if patterns is not _PATTERNS else {}
    for pattern, kind in patterns:
        for m in pattern.finditer(text):
            start, end = m.span()
            # leading spaces of optional prefixes
            while start < end and text[start].isspace():
                start += 1
            if covered.find(1, start, end) >= 0:
                continue
            if kind == "weekday" and not text[m.start("weekday")].isupper():
                continue
            if kind in ("md", "dm", "month") and not _month_capitalised(m):
                continue
            if kind == "lrel":
                days = relative.get(m.group("rel").lower())
                if days is None:
                    continue
                resolved = _resolved(kind, _Groups({"days": days}), pub)
            else:
                resolved = _resolved(kind, m, pub)
            if resolved is None or resolved[0] > _tomorrow(pub):
                continue
            covered[start:end] = b"\x01" * (end - start)
            found.append(DateMention(resolved[0], resolved[1], start, end, text[start:end]))
    found.sort(key=lambda d: d.start)
    return found


class _Groups:
    """A match-like holder of named values (``groupdict``)."""

    def __init__(self, groups: dict) -> None:
        self._groups = groups

    def groupdict(self) -> dict:
        return self._groups


def _tomorrow(pub: date) -> date:
    return pub + timedelta(days=1) if pub < date.max else pub


def _month_capitalised(m: re.Match) -> bool:
    """'May' the month, not 'may' the verb; 'Mar' the month, not 'mar'."""
    return m.group("month")[:1].isupper()


def event_date(text: str, published: datetime | date | None = None) -> DateMention:
    """The date an event happened: the first date expression, else the publication day."""
    found = find_dates(text, published)
    if found:
        return found[0]
    pub = _day(published)
    return DateMention(pub, DAY, 0, 0, "")
