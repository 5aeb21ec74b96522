"""``newsmon demo``: the whole pipeline offline, against a bundled sample news site.

The site (``etl/demo_site``, fictional stories written for this project) is served on a fixed
local port so that article URLs are the same on every run: running the demo twice shows the
second pass answered by 304s and adds no rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from etl.errors import ConfigError
from etl.run.pipeline import RunSummary, run
from etl.settings import DEFAULT_DEMO_PORT, PACKAGE_DIR, Settings, demo_port
from etl.store import db
from etl.web.site import PLACEHOLDER, Site

DEMO_SITE = PACKAGE_DIR / "demo_site"
DEFAULT_PORT = DEFAULT_DEMO_PORT

QUERIES = [
    (
        "The latest conflict-related articles, with their actors and places",
        "SELECT published_at, outlet, left(title, 50) AS title, actors, places\n"
        "  FROM analytics.articles WHERE is_conflict ORDER BY published_at DESC LIMIT 10;",
    ),
    (
        "Who is mentioned together with the Islamic State (ISIS = ISIL = Daesh)?",
        "SELECT actor_b_name, articles, stories FROM analytics.actor_cooccurrence\n"
        "  WHERE actor_a = 'isis' ORDER BY articles DESC;",
    ),
    (
        "A wire story republished by another outlet is one story",
        "SELECT title, article_count, outlets, first_outlet FROM analytics.stories\n"
        "  WHERE article_count > 1;",
    ),
    (
        "Articles per language (each tagged with its own language's models and words)",
        "SELECT language, articles, articles_with_events FROM analytics.language_counts\n"
        "  ORDER BY articles DESC;",
    ),
    (
        "Full-text search",
        "SELECT title, rank FROM analytics.search_articles('\"drone strike\" OR airstrike');",
    ),
    (
        "What failed or was skipped, and why",
        "SELECT status, error_stage, attempts, last_error, url\n"
        "  FROM articles WHERE status IN ('failed', 'skipped');",
    ),
    (
        "Feed polls: 200 first, 304 Not Modified after",
        "SELECT f.title, p.polled_at, p.http_status, p.not_modified, p.new_articles\n"
        "  FROM feed_polls p JOIN feeds f ON f.id = p.feed_id ORDER BY p.id DESC LIMIT 6;",
    ),
]


def render_feed_list(base_url: str, home: Path) -> Path:
    """Write the demo feed list with the site's address filled in."""
    source = DEMO_SITE / "demo-feeds.yaml"
    if not source.is_file():
        raise ConfigError(f"demo site missing: {source}")
    home.mkdir(parents=True, exist_ok=True)
    target = home / "demo-feeds.yaml"
    target.write_bytes(source.read_bytes().replace(PLACEHOLDER, base_url.encode()))
    return target


def language_counts(url: str) -> list[tuple[str, int, int]]:
    """(language, extracted articles, of which with an event) per language, most first."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT language, extracted, articles_with_events "
                        "FROM analytics.language_counts WHERE extracted > 0 "
                        "ORDER BY extracted DESC, language")
            return cur.fetchall()
    finally:
        conn.close()


def print_languages(console: Console, url: str) -> None:
    """The demo summary's articles per language."""
    counts = language_counts(url)
    console.print("\nArticles per language: " + ", ".join(
        f"{lang} {n} ({events} with events)" for lang, n, events in counts), highlight=False)


def run_demo(
    settings: Settings,
    *,
    port: int | None = None,
    progress_factory: Callable | None = None,
    reporter_cls: type | None = None,
    print_summary: Callable[[RunSummary, str], None] | None = None,
) -> RunSummary:
    port = port if port is not None else demo_port()
    from dataclasses import replace

    console = Console()
    try:
        site = Site(DEMO_SITE, port=port)
    except OSError as exc:
        raise ConfigError(
            f"cannot serve the demo site on 127.0.0.1:{port} ({exc}); "
            "use --port or NEWSMON_DEMO_PORT"
        ) from exc
    # The demo site is on loopback: the private-network guard lets it through, and only it.
    settings = replace(settings, allowed_private_hosts=(
        *settings.allowed_private_hosts, f"127.0.0.1:{site.port}"))
    with site:
        feeds_file = render_feed_list(site.base_url, settings.home)
        console.print(f"Serving the demo news site at [bold]{site.base_url}/[/bold]")
        if progress_factory and reporter_cls:
            with progress_factory() as progress:
                summary = run(settings, feeds_file, all_feeds=True,
                              reporter=reporter_cls(progress))
        else:
            summary = run(settings, feeds_file, all_feeds=True)
    if print_summary:
        print_summary(summary, "newsmon demo")
    url = db.database_url(settings)
    print_languages(console, url)
    console.print("\nThe articles are in PostgreSQL. Open a shell with:\n")
    console.print(f'  psql "{url}"' if not settings.database_url else '  psql "$(newsmon db url)"',
                  highlight=False, soft_wrap=True)
    console.print("\nand try:\n")
    for title, sql in QUERIES:
        console.print(f"-- {title}", style="bold green", highlight=False)
        console.print(sql + "\n", highlight=False, soft_wrap=True)
    console.print("More questions in docs/cookbook.md; a report with charts and a map: "
                  "[bold]newsmon report --out report.html --days 10 --until 2026-11-27[/bold]")
    console.print("Run [bold]newsmon demo[/bold] again: the feeds answer 304 and nothing is "
                  "added twice.")
    return summary
