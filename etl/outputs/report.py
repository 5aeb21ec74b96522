"""``newsmon report``: a self-contained HTML report for a time window.

Everything is read from the ``analytics`` views; charts and the map are inline SVG
(:mod:`etl.outputs.charts`), so the file renders with no internet access and can be mailed around.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from etl.outputs.charts import Point, bar_chart, line_chart, world_map
from etl.store.db import transaction

EVENT_TYPES = ("battles", "explosions_remote_violence", "violence_against_civilians",
               "protests", "riots", "strategic_developments")

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
h1 { margin-bottom: 0; } .window { color: #666; margin-top: .2em; }
.cards { display: flex; gap: 1em; margin: 1.5em 0; }
.card { flex: 1; background: #f4f6f8; border-radius: 6px; padding: .8em 1em; }
.card b { display: block; font-size: 1.8em; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
th, td { text-align: left; padding: .35em .5em; border-bottom: 1px solid #ddd; }
th { background: #f4f6f8; } td.n { text-align: right; }
svg { max-width: 100%; height: auto; }
footer { color: #888; font-size: .8em; margin-top: 3em; }
"""


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def last_days(cls, days: int, until: date | None = None) -> Window:
        end = (datetime.combine(until, datetime.min.time(), UTC) + timedelta(days=1)
               if until else datetime.now(UTC))
        return cls(end - timedelta(days=days), end)


def _query(conn, sql: str, params: dict) -> list[tuple]:
    with transaction(conn) as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _table(headers: list[str], rows: list[tuple], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="n">{html.escape(str(v))}</td>' if i in numeric
            else f"<td>{html.escape('' if v is None else str(v))}</td>"
            for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# The report's queries on the analytics views, each over the window (%(start)s, %(end)s).
QUERIES = {
    "totals": """
        SELECT count(*), count(*) FILTER (WHERE is_conflict), count(DISTINCT story_id),
               count(DISTINCT outlet)
        FROM analytics.articles WHERE published_at >= %(start)s AND published_at < %(end)s""",
    "categories": """
        SELECT day, category_id, sum(stories)::int FROM analytics.daily_category_counts
        WHERE day >= %(start)s::date AND day < %(end)s::date + 1
          AND category_id = ANY(%(events)s)
        GROUP BY 1, 2 ORDER BY 1""",
    "actors": """
        SELECT actor_name, sum(mentions)::int, sum(articles)::int
        FROM analytics.actor_daily_mentions
        WHERE day >= %(start)s::date AND day < %(end)s::date + 1
        GROUP BY actor_name ORDER BY 2 DESC, 1 LIMIT 12""",
    "stories": """
        SELECT s.title, s.article_count, s.outlet_count, s.first_outlet,
               to_char(s.first_published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
               array_to_string(s.outlets, ', ')
        FROM analytics.stories s
        WHERE s.first_published_at >= %(start)s AND s.first_published_at < %(end)s
          AND s.is_conflict
        ORDER BY s.article_count DESC, s.outlet_count DESC, s.first_published_at DESC
        LIMIT 10""",
    "places": """
        SELECT name, country_code, latitude, longitude, count(DISTINCT article_id)::int
        FROM analytics.article_places
        WHERE published_at >= %(start)s AND published_at < %(end)s AND is_conflict
        GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1 LIMIT 60""",
    "events": """
        SELECT location, country, latitude, longitude, fatalities, event_date, sub_event_type,
               coalesce(actor1, ''), coalesce(actor2, ''), source_count
        FROM analytics.events
        WHERE event_date >= %(start)s::date AND event_date < %(end)s::date + 1
          AND latitude IS NOT NULL
        ORDER BY fatalities DESC, event_date DESC, location LIMIT 200""",
}


def build_report(conn, window: Window) -> str:
    """The report for ``window`` as one HTML document."""
    p = {"start": window.start, "end": window.end, "events": list(EVENT_TYPES)}
    data = {name: _query(conn, sql, p) for name, sql in QUERIES.items()}
    window_text = (f"{window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC")
    return _page(window_text, data, _charts(data))


def _charts(data: dict[str, list[tuple]]) -> list[str]:
    """Event trends, actors, places and events, as inline SVG (or a line saying why not)."""
    actors, places, events = data["actors"], data["places"], data["events"]
    series: dict[str, list[tuple[date, float]]] = {}
    for day, category, count in data["categories"]:
        series.setdefault(category.replace("_", " "), []).append((day, count))
    return [
        line_chart(series, title="Conflict events per day (stories, by ACLED event type)",
                   ylabel="stories") if series else "<p>No tagged events in this window.</p>",
        bar_chart([(name, mentions) for name, mentions, _ in actors],
                  title="Most mentioned actors") if actors else "<p>No actors mentioned.</p>",
        world_map([Point(lon, lat, name, n) for name, _, lat, lon, n in places],
                  title="Places in conflict-related articles"),
        # events sized by their fatalities (an event without deaths still shows, smallest)
        world_map([Point(lon, lat, f"{loc} ({deaths} killed)" if deaths else loc, deaths + 1)
                   for loc, _, lat, lon, deaths, *_ in events],
                  title="Events, sized by fatalities") if events
        else "<p>No located events in this window.</p>",
    ]


def _page(window_text: str, data: dict[str, list[tuple]], charts: list[str]) -> str:
    """The HTML document: cards, charts and tables."""
    actors, stories, places, events = (data["actors"], data["stories"], data["places"],
                                       data["events"])
    title = "newsmon report"
    cards = "".join(
        f'<div class="card"><b>{value}</b>{label}</div>'
        for value, label in zip(data["totals"][0],
                                ("articles", "conflict-related", "stories", "outlets"),
                                strict=True)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{CSS}</style></head>
<body>
<h1>{title}</h1><p class="window">{html.escape(window_text)}</p>
<div class="cards">{cards}</div>
<h2>Event trends</h2>{charts[0]}
<h2>Actors</h2>{charts[1]}
{_table(["actor", "mentions", "articles"], actors, {1, 2})}
<h2>Top stories</h2>
{_table(["story", "articles", "outlets", "first outlet", "first published", "carried by"],
        stories, {1, 2})}
<h2>Events</h2>{charts[3]}
{_table(["place", "country", "fatalities", "date", "sub-event type", "actor 1", "actor 2",
         "sources"],
        [(loc, c, k, d, sub, a1, a2, n) for loc, c, _, _, k, d, sub, a1, a2, n in events[:15]],
        {2, 7})}
<h2>Map</h2>{charts[2]}
{_table(["place", "country", "latitude", "longitude", "articles"],
        [(n, c, f"{la:.2f}", f"{lo:.2f}", k) for n, c, la, lo, k in places[:15]], {4})}
<footer>Generated by newsmon at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from the analytics views.
Map outlines: Natural Earth (public domain) via world-atlas.</footer>
</body></html>
"""
