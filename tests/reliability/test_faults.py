"""Faults: SIGKILL at random points, PostgreSQL restarts, concurrent runs, hostile input.

Each test runs a scenario of the fault-injection campaign (bench/campaign.py) against a real
PostgreSQL and a real local HTTP server, with newsmon itself in subprocesses, and asserts that
every run survived and nothing was lost or duplicated.
"""

from __future__ import annotations

import pytest
from conftest import rows

from bench import campaign
from etl.store.embedded import EmbeddedPostgres

pytestmark = pytest.mark.campaign


def assert_ok(result: campaign.ScenarioResult) -> None:
    print(result)
    assert result.survived == result.runs, result.notes
    assert result.expected > 0 and result.loaded == result.expected, result.notes
    assert (result.lost, result.duplicated) == (0, 0), result.notes


def test_clean_run_and_rerun(db_url, tmp_path):
    assert_ok(campaign.scenario_clean(db_url, tmp_path, n=30))


def test_sigkill_at_random_points_loses_and_duplicates_nothing(db_url, tmp_path, conn):
    result = campaign.scenario_sigkill(db_url, tmp_path, n=160, seed=11)
    assert_ok(result)
    assert not any("not reached" in note for note in result.notes), result.notes
    assert rows(conn, "SELECT count(*) FROM articles WHERE lease_until IS NOT NULL "
                      "OR status IN ('new', 'fetched')") == [(0,)]
    assert rows(conn, "SELECT count(*) FROM feeds WHERE poll_lease_until IS NOT NULL") == [(0,)]


def test_concurrent_runs_fetch_each_page_once(db_url, tmp_path):
    # audit() counts any page fetched twice as a duplicate
    assert_ok(campaign.scenario_concurrent(db_url, tmp_path, n=120, runs=3))


def test_postgresql_restart_mid_run(tmp_path):
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.url()

    def restart() -> None:
        server.stop()
        server.url()

    try:
        result = campaign.scenario_db_restart(url, tmp_path, restart, n=160)
    finally:
        server.stop()
    assert_ok(result)


def test_hostile_feeds_and_pages(db_url, tmp_path, conn):
    assert_ok(campaign.scenario_hostile(db_url, tmp_path))
    # every hostile feed has a recorded outcome; the broken ones say why
    health = dict(rows(conn, "SELECT split_part(url, '/', 5), health FROM analytics.feed_health"))
    assert health["bomb.xml"] == health["slow.xml"] == health["loop.xml"] == "failing"
    assert health["limited.xml"] == health["error.xml"] == health["absent.xml"] == "failing"
    errors = dict(rows(conn, "SELECT split_part(url, '/', 5), last_error FROM feeds"))
    assert "TooLarge" in errors["bomb.xml"] and "TimeoutError_" in errors["slow.xml"]
    assert "TooManyRedirects" in errors["loop.xml"] and "429" in errors["limited.xml"]
    for feed in ("laughs.xml", "flat-entity.xml", "xxe.xml", "mixed.xml", "noguid.xml"):
        assert errors[feed] is None, (feed, errors[feed])
    # 429 Retry-After: 120 s is honoured on top of the back-off
    assert rows(conn, "SELECT next_poll_at > now() + interval '100 seconds' FROM feeds "
                      "WHERE url LIKE '%limited.xml'") == [(True,)]
    unusable = rows(conn, "SELECT p.entries_unusable FROM feed_polls p JOIN feeds f "
                          "ON f.id = p.feed_id WHERE f.url LIKE '%mixed.xml' ORDER BY p.id LIMIT 1")
    assert unusable == [(3,)]  # javascript:, data: and the 5,000-character link
    reasons = dict(rows(conn, "SELECT split_part(url, '/', 5), last_error FROM articles "
                              "WHERE status IN ('failed', 'skipped')"))
    assert "NotHTML" in reasons["report.pdf"] and "NotHTML" in reasons["photo.jpg"]
    assert "NotHTML" in reasons["binary.html"] and "ParseError" in reasons["empty.html"]
    assert "TooLarge" in reasons["huge.html"] and "TooLarge" in reasons["bomb.html"]
    assert "TooManyRedirects" in reasons["loop.html"] and "TimeoutError_" in reasons["slow.html"]
    future = rows(conn, "SELECT count(*) FROM articles WHERE published_at > now() + "
                        "interval '1 day' OR feed_published_at > now() + interval '1 day'")
    assert future == [(0,)]


@pytest.mark.timeout(600)
def test_a_50000_item_feed_in_bounded_memory(db_url, tmp_path):
    result = campaign.scenario_huge_feed(db_url, tmp_path, items=50_000)
    assert_ok(result)
    rss = float(next(n for n in result.notes if n.startswith("peak RSS")).split()[2])
    assert rss < 1024  # MB; the feed body itself is capped at NEWSMON_MAX_FEED_BYTES
