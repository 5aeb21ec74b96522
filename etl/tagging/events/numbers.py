"""Numbers as news text writes them: digits, number words ("twenty-five"), vague quantities.

:func:`parse_quantity` reads one quantity expression; vague words get the figure ACLED's coders
record for them ("dozens" 12, "scores" 20, "hundreds" 100, "several" / "a number of" 3).
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "no": 0, "a": 1, "an": 1, "one": 1, "single": 1, "lone": 1, "two": 2,
    "both": 2, "pair": 2, "couple": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
# Vague quantities: the figure ACLED's coding rules give them.
VAGUE = {
    "several": 3, "some": 3, "many": 3, "multiple": 3, "numerous": 3, "few": 3,
    "a number of": 3, "unknown number of": 3, "an unknown number of": 3,
    "an unspecified number of": 3, "unspecified number of": 3, "a few": 3,
    "dozens": 12, "dozens of": 12, "scores": 20, "scores of": 20, "hundreds": 100,
    "hundreds of": 100, "thousands": 1000, "thousands of": 1000,
}
_WORD_NUMBER = (
    r"(?:(?:" + "|".join(TENS) + r")(?:[- ](?:" + "|".join(k for k, v in UNITS.items()
                                                          if 1 <= v <= 9 and len(k) > 2)
    + r"))?|" + "|".join(sorted((k for k in UNITS if len(k) > 2), key=len, reverse=True))
    + r")"
)
NUMBER = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+|" + _WORD_NUMBER
    + r"(?:\s+hundred(?:\s+(?:and\s+)?" + _WORD_NUMBER + r")?)?)"
)
NUMBER_RE = re.compile(r"\b" + NUMBER + r"\b", re.I)


MAX_DIGITS = 9  # no count in a report runs to a billion: longer digit strings are no count


def parse_number(text: str) -> int | None:
    """The value of one number expression ("12", "1,200", "twenty-five", "two hundred");
    None for what is no number, or longer than :data:`MAX_DIGITS` digits (never raises:
    ``int()`` refuses 4,300 digits and more, and some digits, "²", are no number at all)."""
    t = text.strip().lower().replace(",", "")
    if t.isdigit():
        if len(t) > MAX_DIGITS:
            return None
        try:
            return int(t)
        except ValueError:
            return None
    total, current = 0, 0
    for word in re.split(r"[\s-]+", t):
        if word == "and":
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            return None
    return total + current


def vague_value(text: str) -> int | None:
    return VAGUE.get(" ".join(text.lower().split()))
