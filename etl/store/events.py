"""Storing event records (table ``events``, sql/010_events.sql): replace an article's events.

:func:`event_rows` turns records into rows (in the worker processes); :func:`store_events` stores
them (the bench and the tests), and the tag stage does the same inside the transaction that stores
the article's other tags, so re-tagging replaces an article's events rather than adding to them
(idempotent). Either way the reports' real events are recomputed in the same transaction
(:mod:`etl.store.eventclusters`), under the ``events`` lock taken first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from etl.store import eventclusters
from etl.store.db import execute_values

if TYPE_CHECKING:  # the records are made in the worker processes; the main one stores rows
    from etl.tagging.events.records import EventRecord

_COLUMNS = ("article_id, event_index, event_type, sub_event_type, sub_event_scores, event_date, "
            "time_precision, actor1, assoc_actor_1, actor2, assoc_actor_2, country, "
            "country_code, admin1, location, latitude, longitude, geo_precision, fatalities, "
            "notes, offsets, taxonomy_version")
_TEMPLATE = ("(%s, %s, %s, %s, %s::jsonb, %s::date, %s, %s, %s::text[], %s, %s::text[], %s, "
             "%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)")


INT4_MAX = 2**31 - 1


def _count(value: int) -> int:
    """A count the ``integer`` column holds (the tagger discards larger ones already; a value
    it did not must not make the article's tags unstorable on every run): 0 otherwise."""
    return value if isinstance(value, int) and 0 <= value <= INT4_MAX else 0


def event_rows(article_id: int, events: Sequence[EventRecord], version: str) -> list[tuple]:
    """The ``events`` rows of one article's records, the main event first (event_index 0)."""
    return [
        (article_id, i, e.event_type, e.sub_event_type, json.dumps(e.sub_event_scores),
         e.event_date, e.time_precision, e.actor1, list(e.assoc_actor_1), e.actor2,
         list(e.assoc_actor_2), e.country, e.country_code, e.admin1, e.location, e.latitude,
         e.longitude, e.geo_precision, _count(e.fatalities), e.notes, json.dumps(e.offsets),
         version)
        for i, e in enumerate(events)
    ]


def store_events(cur, articles: Sequence[tuple[int, Sequence[EventRecord]]],
                 version: str) -> int:
    """Replace the events of these (article id, records) pairs; returns the rows written."""
    if not articles:
        return 0
    rows = [row for article_id, events in articles for row in event_rows(article_id, events,
                                                                          version)]
    ids = [article_id for article_id, _ in articles]
    eventclusters.lock(cur)
    # the articles and their reports' old clusters: the new reports are found by article
    touched = eventclusters.seeds_of_articles(cur, ids)
    written = write_event_rows(cur, ids, rows)
    eventclusters.recluster(cur, touched)
    return written


def write_event_rows(cur, article_ids: Sequence[int], rows: Sequence[tuple]) -> int:
    """Replace the events of ``article_ids`` with ``rows`` (of :func:`event_rows`)."""
    if not article_ids:
        return 0
    cur.execute("DELETE FROM events WHERE article_id = ANY(%s)", (list(article_ids),))
    if rows:
        execute_values(cur, f"INSERT INTO events ({_COLUMNS}) VALUES %s", rows,  # noqa: S608
                       template=_TEMPLATE)
        # the outlet, once: clustering counts an event's sources from it
        cur.execute("UPDATE events SET outlet = newsmon_outlet(article_id) "
                    "WHERE article_id = ANY(%s)", (list(article_ids),))
    return len(rows)
