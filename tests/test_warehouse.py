"""The analyst warehouse: views, the cookbook, index-backed plans, the HTML report.

The demo site is loaded once per module into a database of its own; every cookbook query is
run on it and must print exactly what docs/cookbook.md shows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date

import psycopg2
import pytest
from conftest import TEMPLATE, _admin, _with_db

from bench.cookbook import COOKBOOK, parse, run_recipe
from etl.outputs.report import Window, build_report
from etl.run.demo import DEMO_SITE, render_feed_list
from etl.run.pipeline import run
from etl.settings import Settings
from etl.store.db import connect
from etl.web.site import Site

RECIPES = parse(COOKBOOK.read_text())
BIG_TABLES = {"articles", "article_tags", "article_mentions", "article_places",
              "feed_articles", "article_keywords", "stories"}


@pytest.fixture(scope="module")
def demo_url(pg_admin_url, tmp_path_factory):
    name = "newsmon_test_demo_warehouse"
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(pg_admin_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    url = _with_db(pg_admin_url, name)
    home = tmp_path_factory.mktemp("demo")
    settings = Settings(database_url=url, home=home, allow_private_networks=True)
    with Site(DEMO_SITE) as site:
        summary = run(settings, render_feed_list(site.base_url, home))
    demo_articles = json.loads((DEMO_SITE / "MANIFEST.json").read_text())["counts"]["articles"]
    assert summary.articles_extracted == summary.articles_tagged == demo_articles
    yield url
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def demo(demo_url):
    conn = connect(demo_url)
    yield conn
    conn.close()


def test_cookbook_has_at_least_ten_questions():
    assert len(RECIPES) >= 10
    assert all(r.output for r in RECIPES), "run python -m bench.cookbook --write"


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: f"q{r.number}")
def test_cookbook_query_prints_what_the_cookbook_shows(demo, recipe):
    output = run_recipe(demo, recipe)
    assert not output.startswith("(0 rows)") and "\n(0 rows)" not in output
    assert output == recipe.output


def test_views_and_columns_are_documented(demo):
    with demo.cursor() as cur:
        cur.execute("""SELECT c.relname, a.attname FROM pg_class c
                       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'analytics'
                       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
                       WHERE c.relkind IN ('v', 'm')
                         AND col_description(c.oid, a.attnum) IS NULL""")
        assert cur.fetchall() == []
        cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n
                       ON n.oid = c.relnamespace AND n.nspname = 'analytics'
                       WHERE c.relkind = 'v' ORDER BY 1""")
        views = [r[0] for r in cur.fetchall()]
    assert views == ["actor_cooccurrence", "actor_daily_mentions", "article_events",
                     "article_places", "articles", "daily_category_counts", "events",
                     "feed_health", "language_counts", "stories"]


def test_articles_view_rows(demo):
    with demo.cursor() as cur:
        cur.execute("""SELECT outlet, categories, actors, places, countries, story_id, feeds
                       FROM analytics.articles WHERE title LIKE 'Iraqi forces and PMF%'""")
        outlet, categories, actors, places, countries, story, feeds = cur.fetchone()
        cur.execute("""SELECT story_id FROM analytics.articles
                       WHERE title LIKE 'ISIS remnants clash%'""")
        (copy_story,) = cur.fetchone()
    assert outlet == "Demo Wire" and "battles" in categories
    assert {"isis", "pmf"} <= set(actors) and "Mosul" in places and "IQ" in countries
    assert copy_story == story  # the wire copy is the same story
    assert sorted(feeds) == ["Demo Monitor — Conflict", "Demo Wire — World"]


def test_demo_events_one_row_per_real_event(demo):
    with demo.cursor() as cur:
        cur.execute("""SELECT event_type, sub_event_type, country, location, fatalities,
                              source_count, report_count, source
                       FROM analytics.events
                       WHERE location = 'Mosul' AND event_date = '2026-11-23'""")
        mosul = cur.fetchall()
        cur.execute("""SELECT count(*) FROM analytics.article_events
                       WHERE location = 'Mosul' AND event_date = '2026-11-23'""")
        (reports,) = cur.fetchone()
        cur.execute("""SELECT count(*) FROM analytics.events e
                       JOIN analytics.articles a ON a.article_id = ANY(e.article_ids)
                       WHERE a.title LIKE 'Northbridge%' OR a.title LIKE 'Bank of England%'""")
        (not_events,) = cur.fetchone()
    # the wire story and its edited copy are one battle, reported by two outlets
    assert mosul == [("Battles", "Armed clash", "Iraq", "Mosul", 12, 2, 2,
                      "Demo Monitor; Demo Wire")]
    assert reports == 2
    assert not_events == 0  # the football final and the rate decision report no event


def test_reader_role_can_use_the_warehouse(demo, demo_url):
    with demo.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS analyst_wh")
        cur.execute("CREATE ROLE analyst_wh LOGIN PASSWORD 'pw-wh' IN ROLE newsmon_reader")
    demo.commit()
    reader = psycopg2.connect(demo_url.replace("postgres:@", "analyst_wh:pw-wh@", 1))
    try:
        for recipe in RECIPES:
            assert run_recipe(reader, recipe)
        with reader.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("DELETE FROM stories")
        reader.rollback()
    finally:
        reader.close()
        with demo.cursor() as cur:
            cur.execute("DROP OWNED BY analyst_wh")
            cur.execute("DROP ROLE analyst_wh")
        demo.commit()


SYNTHETIC = """
INSERT INTO feeds (url, title) SELECT 'http://f' || g || '.test/rss', 'Feed ' || g
FROM generate_series(1, 50) g;
INSERT INTO articles (url, host, discovered_url, status, title, text, published_at, language,
                      relevance, is_conflict, site_name, story_id)
SELECT 'http://n.test/' || g, 'n.test', 'http://n.test/' || g, 'extracted', 'Story ' || g,
       'Fighting near town ' || (g % 500) || CASE WHEN g % 100 = 0
           THEN ' as a drone strike hits a convoy ' ELSE ' as talks resume ' END || g,
       timestamptz '2026-01-01' + (g % 360) * interval '1 day' + (g % 1440) * interval '1 min',
       'en', (g % 100) / 100.0, g % 3 = 0, 'Outlet ' || (g % 40), g - (g % 3) + 1
FROM generate_series(0, 99999) g;
INSERT INTO stories (id, article_count, outlet_count, first_article_id, first_published_at,
                     last_published_at)
SELECT story_id, count(*), count(DISTINCT site_name), min(id), min(published_at),
       max(published_at) FROM articles GROUP BY story_id;
INSERT INTO feed_articles (feed_id, article_id) SELECT 1 + id % 50, id FROM articles;
INSERT INTO entities (id, name, type, kind, country)
SELECT 'a' || g, 'Actor ' || g, 'organization', 'militia', 'IQ' FROM generate_series(0, 199) g;
INSERT INTO entities (id, name, type, kind, country) VALUES
    ('isis', 'Islamic State', 'organization', 'jihadist_group', 'IQ');
INSERT INTO article_mentions (article_id, start_char, end_char, matched_text, type, entity_id,
                              source, snippet, taxonomy_version)
SELECT a.id, 0, 5, 'x', 'organization', e, 'gazetteer', 'x', 'v'
FROM articles a, LATERAL (VALUES ('a' || a.id % 200), ('a' || (a.id * 7) % 200),
                                 (CASE WHEN a.id % 100 = 0 THEN 'isis' ELSE 'a1' END)) m(e);
INSERT INTO article_places (article_id, start_char, end_char, matched_text, name, country_code,
                            lat, lon, geonameid, feature, snippet, taxonomy_version)
SELECT a.id, 0, 5, 'x', p.name, 'C' || (p.n % 50), p.n % 80, p.n % 170, p.n, 'town', 'x', 'v'
FROM articles a, LATERAL (VALUES (a.id % 500), ((a.id * 13) % 500)) v(n),
     LATERAL (SELECT CASE WHEN v.n = 7 THEN 'Mosul' ELSE 'Place ' || v.n END AS name, v.n) p
ON CONFLICT DO NOTHING;
INSERT INTO article_tags (article_id, category_id, parent_id, score, evidence, is_event,
                          taxonomy_version)
SELECT a.id, c.id, c.parent, 0.6, 1, true, 'v'
FROM articles a, LATERAL (VALUES
    (CASE a.id % 6 WHEN 0 THEN 'battles' WHEN 1 THEN 'protests' WHEN 2 THEN 'riots'
     WHEN 3 THEN 'explosions_remote_violence' WHEN 4 THEN 'strategic_developments'
     ELSE 'violence_against_civilians' END, NULL),
    (CASE WHEN a.id % 4 = 0 THEN 'air_drone_strike' ELSE 'armed_clash' END,
     CASE WHEN a.id % 4 = 0 THEN 'explosions_remote_violence' ELSE 'battles' END)) c(id, parent);
INSERT INTO events (article_id, event_index, event_type, sub_event_type, event_date,
                    time_precision, actor1, actor2, country, location, latitude, longitude,
                    geo_precision, fatalities, notes, taxonomy_version)
SELECT id, 0, 'Battles', 'Armed clash', (published_at AT TIME ZONE 'UTC')::date, 1, 'isis',
       'a' || id % 200, 'Iraq', 'Place ' || id % 500, 36 + (id % 50) / 10.0,
       43 + (id % 30) / 10.0, 1, id % 5, 'Fighters clashed.', 'v'
FROM articles WHERE id % 100 = 0;
"""


def seq_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG_TABLES:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found += seq_scans(child)
    return found


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_cookbook_plans_stay_index_backed_on_100000_articles(pg_admin_url):
    name = "newsmon_test_100k"
    _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(pg_admin_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    conn = connect(_with_db(pg_admin_url, name))
    try:
        with conn.cursor() as cur:
            cur.execute(SYNTHETIC)
            conn.commit()
            conn.autocommit = True
            cur.execute("VACUUM ANALYZE")  # what autovacuum does on a live warehouse
            conn.autocommit = False
            cur.execute("SELECT count(*) FROM articles")
            assert cur.fetchone()[0] == 100_000
            scans = {}
            for recipe in RECIPES:
                cur.execute("EXPLAIN (FORMAT JSON) " + recipe.sql)
                plan = cur.fetchone()[0][0]["Plan"]
                if seq_scans(plan):
                    scans[recipe.number] = seq_scans(plan)
        conn.rollback()
    finally:
        conn.close()
        _admin(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert scans == {}


def test_report_maps_events_sized_by_fatalities(demo):
    document = build_report(demo, Window.last_days(10, until=date(2026, 11, 27)))
    events = document[document.index("<h2>Events</h2>"):document.index("<h2>Map</h2>")]
    assert "<svg" in events  # the map
    # the table under it, deadliest first: the Mosul battle once, with both outlets
    # (the al-Shabaab attack "on the outskirts of Afgooye, about 30 km north-west of Mogadishu")
    assert events.index("<td>Afgooye</td>") < events.index("<td>El Fasher</td>")
    assert events.count('<td>Mosul</td><td>Iraq</td><td class="n">12</td>') == 1


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_renders_offline_in_headless_chromium(demo, tmp_path):
    document = build_report(demo, Window.last_days(10, until=date(2026, 11, 27)))
    for needle in ("Top stories", "Islamic State", "Mosul", "<svg", "Demo Wire"):
        assert needle in document
    # self-contained: nothing to fetch
    for pattern in ('src="http', "src='http", 'href="http', "@import", "url(http"):
        assert pattern not in document
    page = tmp_path / "report.html"
    page.write_text(document)
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,3200",
         f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] == 3200 and pixels.shape[1] == 1100
    assert pixels.std() > 0.05  # not a blank page
    print(json.dumps({"screenshot": str(shot)}))
