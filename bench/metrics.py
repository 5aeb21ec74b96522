"""Extraction quality: the word 4-gram metric of the evaluation corpus.

Per page, the multisets of word 4-grams (``\\w+`` tokens) of the truth and of the extracted
text give tp/fp/fn; precision is the mean over pages with tp+fp > 0 of tp/(tp+fp), recall the
mean over pages with tp+fn > 0 of tp/(tp+fn), and F1 = 2PR/(P+R) of the means.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    pages: int


def ngrams(text: str | None, n: int = 4) -> Counter:
    words = _WORD.findall(text or "")
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def page_counts(truth: str | None, extracted: str | None) -> tuple[int, int, int]:
    t, e = ngrams(truth), ngrams(extracted)
    tp = sum((t & e).values())
    return tp, sum(e.values()) - tp, sum(t.values()) - tp


def score(pairs: Iterable[tuple[str | None, str | None]]) -> Score:
    """Score ``(truth, extracted)`` pairs."""
    precisions, recalls, pages = [], [], 0
    for truth, extracted in pairs:
        pages += 1
        tp, fp, fn = page_counts(truth, extracted)
        if tp + fp:
            precisions.append(tp / (tp + fp))
        if tp + fn:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return Score(p, r, 2 * p * r / (p + r) if p + r else 0.0, pages)
