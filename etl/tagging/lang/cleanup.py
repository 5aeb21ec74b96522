"""Span fixes for the Latin-script models (fr, es), on what they get wrong in news text.

- an elided article is not part of the name: "l'OTAN" -> "OTAN", "d'Alger" -> "Alger";
- trailing lower-case words are not part of it ("Beuchat m." -> "Beuchat");
- a span must start with a capital letter and hold two letters at least ("n’", "i. rc-" go);
- a name after a civility title is a person ("M. Dind", "Mme Kaboré", "Sr. Pérez").

(Dropping single capitalised words that open a sentence, "Retour", "Heureux", cost more recall
than it gained precision on the development data: not done.)
"""

from __future__ import annotations

import re

_ELISION = re.compile(r"^(?:[lLdDjJ]|[qQ]u|[lL]orsqu|[pP]uisqu)['’](?=\w)")
_TITLE = re.compile(r"(?:\b(?:M|MM|Mme|Mmes|Mlle|Mlles|Dr|Me|Mgr|Sr|Sra|Srta|Dña|Don|Doña)\.?"
                    r"|\b(?:Monsieur|Madame|Mademoiselle|señor|señora))\s+$")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    m = _ELISION.match(text[start:end])
    if m:
        start += m.end()
    words = text[start:end].split(" ")
    while len(words) > 1 and not words[-1][:1].isupper() and not words[-1][:1].isdigit():
        words.pop()  # "Beuchat m."
    end = start + len(" ".join(words))
    while end > start and text[end - 1] in ",;:(":
        end -= 1
    return start, end


def clean(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The spans of a Latin-script model with the fixes above."""
    out = []
    for start, end, etype in spans:
        start, end = _trim(text, start, end)
        name = text[start:end]
        if sum(c.isalpha() for c in name) < 2 or not name[:1].isupper():
            continue
        if _TITLE.search(text[max(0, start - 14):start]):
            etype = "person"
        out.append((start, end, etype))
    return out
