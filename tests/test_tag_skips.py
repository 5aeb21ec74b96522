"""Work the tagger skips (issue 21) changes nothing: skipped articles get what the full path
would have given them."""

from __future__ import annotations

from datetime import date

from etl.tagging.core import tagger as tagger_module
from etl.tagging.events.records import build_events

PUBLISHED = date(2026, 3, 14)
TEXTS = [
    # no event: sport, economy, a feature with a war word used figuratively
    "Manchester United beat Arsenal 3-1 at Old Trafford on Saturday. Marcus Rashford scored "
    "twice and the crowd of 74,000 celebrated long after the final whistle.",
    "The central bank raised its key interest rate by half a point on Wednesday, citing "
    "inflation in Germany and France. Markets in London fell slightly.",
    "The chef's war on waste began in a small kitchen in Lyon, where she cooks for forty "
    "guests a night.",
    # events: an attack with deaths, a protest
    "Gunmen killed 12 villagers in an attack on Zurmi in Zamfara state, Nigeria, on Monday, "
    "police said. Residents said the attackers burned houses before fleeing.",
    "Thousands of protesters marched through Nairobi, Kenya, on Tuesday against new taxes; "
    "police fired tear gas to disperse them.",
]


def test_skipped_articles_get_the_records_the_full_path_gives(tagger):
    results = tagger.tag_many(TEXTS, published=[PUBLISHED] * len(TEXTS))
    skipped = [not tagger_module._may_report_events(r) for r in results]
    assert any(skipped) and not all(skipped), skipped  # both paths are exercised
    for text, result in zip(TEXTS, results, strict=True):
        assert result.events == build_events(text, result, PUBLISHED,
                                              model=tagger.event_model), text[:40]
    # the attack has its record, the sport report none
    assert results[3].events and not results[0].events
