"""Event records in the warehouse (sql/010_events.sql) on a real PostgreSQL: the per-article
``events`` rows are replaced on every store, and ``analytics.events`` merges the reports of one
real event (same story, or same day, sub-event type and place within 25 km with compatible
actors) into one row."""

from __future__ import annotations

import psycopg2
import pytest
from conftest import rows

from etl.store.db import transaction
from etl.store.events import store_events
from etl.tagging.events.records import EventRecord

MOSUL = (36.335, 43.119)
BADUSH = (36.402, 43.000)      # about 13 km from Mosul
KIRKUK = (35.468, 44.392)      # about 145 km away
NEAR_MOSUL = (36.360, 43.160)  # about 5 km away


def record(place: tuple[float, float], *, day: str = "2026-11-23", actor1: str = "isis",
           actor2: str | None = "iraqi-security-forces", deaths: int = 0,
           sub: str = "Armed clash") -> EventRecord:
    return EventRecord(
        event_type="Battles", sub_event_type=sub, sub_event_scores={sub: 0.9}, event_date=day,
        time_precision=1, actor1=actor1, assoc_actor_1=[], actor2=actor2, assoc_actor_2=[],
        country="Iraq", country_code="IQ", admin1="Nineveh", location="Somewhere",
        latitude=place[0], longitude=place[1], geo_precision=1, fatalities=deaths,
        notes="Fighters clashed near the town.", offsets={"notes": [[0, 31]]})


def add_article(conn, n: int, outlet: str, story: int, published: str) -> int:
    (article_id,) = rows(conn, """
        INSERT INTO articles (url, host, discovered_url, status, title, text, published_at,
                              language, site_name, story_id)
        VALUES (%s, 'x.test', %s, 'extracted', %s, 'text', %s, 'en', %s, %s) RETURNING id""",
                         (f"http://x.test/{n}", f"http://x.test/{n}", f"Article {n}", published,
                          outlet, story))[0]
    return article_id


def store(conn, items) -> None:
    with transaction(conn) as cur:
        store_events(cur, items, "test-version")


@pytest.fixture
def articles(conn):
    ids = [add_article(conn, 1, "Outlet A", 1, "2026-11-24 06:00+00"),
           add_article(conn, 2, "Outlet B", 2, "2026-11-24 07:00+00"),
           add_article(conn, 3, "Outlet A", 1, "2026-11-24 08:00+00"),  # A's copy, same story
           add_article(conn, 4, "Outlet C", 4, "2026-11-24 09:00+00"),
           add_article(conn, 5, "Outlet D", 5, "2026-11-24 10:00+00")]
    store(conn, [
        (ids[0], [record(MOSUL, deaths=12)]),
        # another outlet: same day and sub-event, 13 km away, shares ISIS: the same event
        (ids[1], [record(BADUSH, actor1="pmf", actor2="isis", deaths=9)]),
        # the same outlet again in the same story, dated a day later: still the same event
        (ids[2], [record(MOSUL, day="2026-11-24", deaths=12)]),
        # same day and sub-event but 145 km away: another event; and a second event in Mosul
        # on another day
        (ids[3], [record(KIRKUK, deaths=2), record(MOSUL, day="2026-11-20", deaths=1)]),
        # 5 km away the same day, but other actors: another event
        (ids[4], [record(NEAR_MOSUL, actor1="houthis", actor2="saudi-armed-forces")]),
    ])
    return ids


def test_per_article_rows_are_replaced_not_added(conn, articles):
    assert rows(conn, "SELECT count(*) FROM events") == [(6,)]
    assert rows(conn, "SELECT event_index FROM events WHERE article_id = %s ORDER BY 1",
                (articles[3],)) == [(0,), (1,)]
    store(conn, [(articles[3], [record(KIRKUK, deaths=2)])])   # re-tagged: one event now
    store(conn, [(articles[3], [record(KIRKUK, deaths=2)])])   # idempotent
    assert rows(conn, "SELECT count(*), sum(fatalities) FROM events WHERE article_id = %s",
                (articles[3],)) == [(1, 2)]
    store(conn, [(articles[4], [])])                           # no event any more
    assert rows(conn, "SELECT count(*) FROM events WHERE article_id = %s",
                (articles[4],)) == [(0,)]
    offsets = rows(conn, "SELECT offsets FROM events WHERE article_id = %s", (articles[0],))
    assert offsets == [({"notes": [[0, 31]]},)]


def test_analytics_events_merges_the_reports_of_one_event(conn, articles):
    merged = rows(conn, """
        SELECT source_count, report_count, outlets, article_ids, fatalities, source, location,
               event_date, actor1, actor2
        FROM analytics.events WHERE %s = ANY(article_ids)""", (articles[0],))
    assert merged == [(2, 3, ["Outlet A", "Outlet B"], [articles[0], articles[1], articles[2]],
                       9, "Outlet A; Outlet B", "Somewhere", merged[0][7], "isis",
                       "iraqi-security-forces")]
    assert str(merged[0][7]) == "2026-11-23"  # as the first report dates it
    # Kirkuk, Mosul on another day and the other actors near Mosul are three more events
    assert rows(conn, "SELECT count(*) FROM analytics.events") == [(4,)]
    assert rows(conn, """SELECT source_count, fatalities FROM analytics.events
                         WHERE article_ids = ARRAY[%s::bigint] ORDER BY fatalities""",
                (articles[3],)) == [(1, 1), (1, 2)]
    # the per-article rows stay available, each linked to its merged event
    linked = rows(conn, """SELECT count(DISTINCT event_id) FROM analytics.article_events
                           WHERE article_id = ANY(%s)""", (articles[:3],))
    assert linked == [(1,)]


def test_the_distance_and_actor_rules(conn):
    (distance,) = rows(conn, "SELECT newsmon_km(36.335, 43.119, 35.468, 44.392)")[0]
    assert 140 < distance < 150
    assert rows(conn, """SELECT newsmon_actors_compatible('isis', NULL, 'pmf', 'isis'),
                                newsmon_actors_compatible('isis', 'pmf', NULL, NULL),
                                newsmon_actors_compatible('isis', 'pmf', 'houthis', NULL)""") \
        == [(True, True, False)]


def test_reader_role_reads_the_event_views(conn, articles, db_url):
    with conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS analyst_ev")
        cur.execute("CREATE ROLE analyst_ev LOGIN PASSWORD 'pw-ev' IN ROLE newsmon_reader")
    conn.commit()
    reader = psycopg2.connect(db_url.replace("postgres:@", "analyst_ev:pw-ev@", 1))
    try:
        assert rows(reader, "SELECT count(*) FROM analytics.events") == [(4,)]
        assert rows(reader, "SELECT count(*) FROM analytics.article_events") == [(6,)]
        with reader.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("DELETE FROM events")
        reader.rollback()
    finally:
        reader.close()
        with conn.cursor() as cur:
            cur.execute("DROP OWNED BY analyst_ev")
            cur.execute("DROP ROLE analyst_ev")
        conn.commit()
