"""Tagging a batch of articles, each within a time bound and failing alone.

The worker processes tag a few articles at a time (spaCy's ``nlp.pipe`` is much faster over a
batch than text by text). Two rules hold here for every article of such a batch:

- **A time bound** like extraction's: tagging one article (the part after the model's pass:
  gazetteers, places, event records) using more than ``NEWSMON_TAG_TIMEOUT`` seconds of CPU
  (default 15; or four times that of wall time) is interrupted by the watchdog of
  :func:`etl.stages.limits.call_within`, and the article gets a failure saying so. CPU time,
  not wall time: on a busy machine a cheap article must not fail. The model's pass over the
  batch is linear in the text (texts are cut to ``MAX_TEXT_CHARS``) and bounded by the sum of
  its articles' bounds.
- **Isolation**: an exception while tagging one article (a date or number the rules could not
  read, a bug) fails that article only, with its reason; when the batched model pass itself
  fails, the batch is retried article by article, so only the culprit fails.

The failure reasons reach ``articles.last_error`` (:func:`etl.stages.tagstage.store_failures`)
and the article is retried on its own schedule (its tag lease), never holding its batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from etl.stages.limits import CPU_WALL_FACTOR, PageLimits, TimeLimitExceeded, call_within

if TYPE_CHECKING:
    from etl.tagging.core.tagger import Tagger, TagResult

log = logging.getLogger(__name__)
REASON_CHARS = 300


@dataclass(frozen=True)
class TagFailure:
    """An article whose tagging failed: its id and the reason a user sees (``last_error``)."""

    article_id: int
    reason: str


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:REASON_CHARS]
    return f"tagging failed: {type(exc).__name__}" + (f": {text}" if text else "")


def tag_each(tagger: Tagger, texts: Sequence[str],
             published: Sequence[datetime | date | None] | None = None,
             timeout_s: float | None = None,
             languages: Sequence[str | None] | None = None) -> list[TagResult | str]:
    """Each text's :class:`TagResult`, or the reason (a string) its tagging failed;
    ``languages`` (one per text, None: English) routes each text."""
    timeout_s = PageLimits().tag_timeout_s if timeout_s is None else timeout_s
    published = published or [None] * len(texts)
    languages = languages or [None] * len(texts)
    tagger.prepare(languages)  # model loads are not an article's cost
    docs: list | None
    try:
        docs = call_within(timeout_s * len(texts), lambda: tagger.docs(texts, languages),
                           cpu=True)
    except TimeLimitExceeded:
        docs = None  # one of them is slow: each gets its own model pass and bound below
    except Exception:  # noqa: BLE001 - one text's failure: found below, article by article
        log.warning("the model's batched pass failed; tagging article by article",
                    exc_info=True)
        docs = None
    return [_tag_one(tagger, text, docs[i] if docs is not None else None,
                     docs is None, published[i], timeout_s, languages[i])
            for i, text in enumerate(texts)]


def _tag_one(tagger: Tagger, text: str, doc, own_pass: bool,
             when: datetime | date | None, timeout_s: float,
             language: str | None = None) -> TagResult | str:
    def run() -> TagResult:
        d = tagger.docs([text], [language])[0] if own_pass else doc
        return tagger.tag_doc(text, d, when, language)

    try:
        return call_within(timeout_s, run, cpu=True)
    except TimeLimitExceeded:
        return (f"tagging took longer than {timeout_s:g} s of CPU (or {CPU_WALL_FACTOR}x that "
                "of wall time; NEWSMON_TAG_TIMEOUT)")
    except Exception as exc:  # noqa: BLE001 - this article fails alone, with its reason
        log.warning("tagging one article failed", exc_info=True)
        return _reason(exc)


def describe(exc: BaseException) -> str:
    """The ``last_error`` of an article whose rows could not be made."""
    return _reason(exc)
