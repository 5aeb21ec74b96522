"""Fault-injection campaign: hostile input, crashes, database restarts and concurrent runs.

``make campaign`` (``python -m bench.campaign``) runs every scenario (the "bombs" one is in
:mod:`bench.bombs`) against a local HTTP server and
a real PostgreSQL and prints one row per scenario: faults tried, runs that survived, articles
expected, loaded, lost and duplicated. The reliability tests run the same scenarios at a smaller
size and assert zero lost and zero duplicated.

A run "survives" when it exits 0, or fails cleanly (exit 1 with an error message, no traceback)
on a systemic fault such as the database restarting; SIGKILL is survived when the next run
completes. "Lost" counts expected articles not extracted at the end; "duplicated" counts
duplicate rows (same canonical URL or same text) plus pages fetched more than once.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess  # noqa: S404 - runs newsmon itself, as a user would
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg2

from etl.settings import corpus_dir
from etl.web.site import HANDLED, Reply, Site

WORDS = ("ceasefire convoy militia shelling border displaced villagers council talks airstrike "
         "checkpoint humanitarian corridor casualties province governor negotiators reporters "
         "hospital market curfew").split()


@dataclass
class ScenarioResult:
    name: str
    faults: int = 0
    runs: int = 0
    survived: int = 0
    expected: int = 0
    loaded: int = 0
    lost: int = 0
    duplicated: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.runs == self.survived and self.lost == 0 and self.duplicated == 0


# -- a generated news site ------------------------------------------------------------------


def article_page(i: int) -> bytes:
    rng = random.Random(i)  # noqa: S311 - text generation, not security
    paras = "".join(
        "<p>" + f"Report {i}: " + " ".join(rng.choice(WORDS) for _ in range(60)) + ".</p>"
        for _ in range(5)
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Story {i}</title>"
        f"<meta property='article:published_time' content='2026-11-2{i % 7}T10:00:00Z'>"
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>Story number {i}</h1>"
        f"{paras}</article><footer>Copyright newsmon campaign</footer></body></html>"
    ).encode()


def rss(items: list[tuple[str, str]], title: str = "Campaign feed") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid></item>"
        for t, link in items
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{{{{BASE_URL}}}}/</link>{body}</channel></rss>").encode()


def news_site(n_articles: int, n_feeds: int, delay: float = 0.0) -> tuple[Site, list[str]]:
    """A site with ``n_articles`` pages listed by ``n_feeds`` feeds (each story in two feeds)."""
    files: dict[str, bytes] = {}
    paths = [f"/story/{i}.html" for i in range(n_articles)]
    for i, path in enumerate(paths):
        files[path] = article_page(i)
    for f in range(n_feeds):
        listed = [(f"Story {i}", "{{BASE_URL}}" + p + "?utm_source=rss")
                  for i, p in enumerate(paths) if i % n_feeds in (f, (f + 1) % n_feeds)]
        files[f"/feed/{f}.xml"] = rss(listed, f"Feed {f}")
    site = Site(files=files)
    if delay:
        def slow(handler, _delay=delay):
            time.sleep(_delay)
            return None
        for path in paths:
            site.overrides[path] = slow
    return site, paths


def feed_list(site: Site, paths: list[str], directory: Path, name: str = "feeds.yaml") -> Path:
    target = directory / name
    target.write_text("feeds:\n" + "".join(f'  - url: "{site.url(p)}"\n' for p in paths))
    return target


# -- running newsmon --------------------------------------------------------------------------


def newsmon_env(db_url: str, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update({
        "NEWSMON_DATABASE_URL": db_url, "NEWSMON_HOME": str(home),
        "NEWSMON_ALLOW_PRIVATE_NETWORKS": "1", "NEWSMON_RETRY_BASE": "0",
        "NEWSMON_PER_HOST": "8", "NEWSMON_WORKERS": "16", "NEWSMON_BATCH_SIZE": "50",
        "NEWSMON_TOTAL_TIMEOUT": "5", "NEWSMON_READ_TIMEOUT": "3",
    })
    env.update(extra)
    return env


def start_run(feeds: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "etl.run.cli", "run", "--feeds", str(feeds), "--json", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def clean_exit(code: int, err: str) -> bool:
    """Exit 0, or a clean failure: exit 1 with a message and no traceback."""
    return code == 0 or (code == 1 and "Traceback" not in err and "Error" in err)


# -- auditing the database ----------------------------------------------------------------------


def _scalar(db_url: str, sql: str, params: tuple = ()) -> int:
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def audit(db_url: str, site: Site, expected_paths: list[str]) -> tuple[int, int, int]:
    """(loaded, lost, duplicated) for the expected article paths of ``site``."""
    expected = [site.url(p) for p in expected_paths]
    loaded = _scalar(db_url, "SELECT count(*) FROM articles WHERE url = ANY(%s) "
                             "AND status = 'extracted'", (expected,))
    leased = _scalar(db_url, "SELECT count(*) FROM articles WHERE lease_until IS NOT NULL")
    refetched = sum(max(0, site.hits(p) - 1) for p in expected_paths)
    return loaded, len(set(expected)) - loaded + leased, audit_rows_only(db_url) + refetched


# -- scenarios ----------------------------------------------------------------------------------


def scenario_clean(db_url: str, work: Path, n: int = 60) -> ScenarioResult:
    result = ScenarioResult("clean run, then re-run", faults=0)
    site, paths = news_site(n, 4)
    with site:
        feeds = feed_list(site, [f"/feed/{f}.xml" for f in range(4)], work)
        env = newsmon_env(db_url, work)
        for extra in ((), ("--all",)):
            code, _, err = finish(start_run(feeds, env, *extra))
            result.runs += 1
            result.survived += code == 0
        result.expected = n
        result.loaded, result.lost, result.duplicated = audit(db_url, site, paths)
    return result


# Moments to kill a run at, as conditions on the database: each holds while that stage is
# half done (some of its work committed, some still waiting).
KILL_POINTS = {
    "start-up": None,
    "fetching": "EXISTS (SELECT 1 FROM articles WHERE status = 'new') AND EXISTS "
                "(SELECT 1 FROM articles WHERE status <> 'new')",
    "extracting": "EXISTS (SELECT 1 FROM articles WHERE status = 'fetched') AND EXISTS "
                  "(SELECT 1 FROM articles WHERE status = 'extracted')",
    # extraction and tagging run together in the worker processes: articles are claimed
    # there while others already carry their tags
    "tagging": "EXISTS (SELECT 1 FROM articles WHERE status = 'fetched' AND "
               "lease_until IS NOT NULL) AND EXISTS (SELECT 1 FROM articles WHERE "
               "taxonomy_version IS NOT NULL)",
}


def _wait_for(db_url: str, condition: str, proc: subprocess.Popen, timeout: float) -> bool:
    """Poll ``condition`` until it holds (True) or the run ends or time is up (False)."""
    deadline = time.monotonic() + timeout
    conn = psycopg2.connect(db_url)
    conn.autocommit = True
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with conn.cursor() as cur:
                    cur.execute(f"SELECT {condition}")  # noqa: S608 - our own constants
                    if cur.fetchone()[0]:
                        return True
            except psycopg2.errors.UndefinedTable:
                pass  # the run has not created the schema yet
            time.sleep(0.05)
    finally:
        conn.close()
    return False


def scenario_sigkill(db_url: str, work: Path, n: int = 240,
                     points: tuple[str, ...] = ("start-up", "fetching", "extracting",
                                                "tagging", "tagging"),
                     seed: int = 7) -> ScenarioResult:
    """Kill runs with SIGKILL in the middle of each stage; the next run must finish the job."""
    rng = random.Random(seed)  # noqa: S311 - test schedule
    result = ScenarioResult(f"SIGKILL x{len(points)} (start-up, mid-fetch, mid-extract, "
                            "mid-tag)", faults=len(points))
    site, paths = news_site(n, 4, delay=0.01)
    with site:
        feeds = feed_list(site, [f"/feed/{f}.xml" for f in range(4)], work)
        env = newsmon_env(db_url, work, NEWSMON_BATCH_SIZE="20", NEWSMON_PER_HOST="4")
        for point in points:
            proc = start_run(feeds, env, "--all")
            condition = KILL_POINTS[point]
            if condition is None:
                time.sleep(rng.uniform(0.2, 1.5))
                reached = proc.poll() is None
            else:
                reached = _wait_for(db_url, condition, proc, timeout=120)
                time.sleep(rng.uniform(0, 0.3))  # anywhere inside a batch, not just its start
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            if not reached:
                result.notes.append(f"kill point '{point}' not reached")
            proc.communicate()
        code, _, err = finish(start_run(feeds, env, "--all"))
        result.runs = 1
        result.survived = int(code == 0)
        result.expected = n
        loaded, lost, _ = audit(db_url, site, paths)
        untagged = audit_untagged(db_url)
        if untagged:
            result.notes.append(f"{untagged} extracted articles left untagged")
            lost += untagged
        # pages fetched by a killed run before it could commit are fetched again: not a
        # duplicate row; duplicates here are rows only
        result.loaded, result.lost = loaded, lost
        result.duplicated = audit_rows_only(db_url)
    return result


def audit_untagged(db_url: str) -> int:
    """Extracted articles without tags or still claimed (a killed tagger must lose nothing)."""
    return _scalar(db_url, "SELECT count(*) FROM articles WHERE status = 'extracted' AND "
                           "(taxonomy_version IS NULL OR tag_lease_until IS NOT NULL)")


def audit_rows_only(db_url: str) -> int:
    """Duplicate rows: the same canonical URL twice, or the same text under two URLs."""
    return _scalar(db_url, "SELECT (SELECT count(*) - count(DISTINCT url) FROM articles) + "
                           "(SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n "
                           "FROM articles WHERE text_hash IS NOT NULL GROUP BY text_hash) s)")


def scenario_concurrent(db_url: str, work: Path, n: int = 150, runs: int = 3) -> ScenarioResult:
    """Several runs at once: every page fetched and extracted exactly once."""
    result = ScenarioResult(f"{runs} concurrent runs", faults=runs - 1)
    site, paths = news_site(n, 3, delay=0.01)
    with site:
        feeds = feed_list(site, [f"/feed/{f}.xml" for f in range(3)], work)
        env = newsmon_env(db_url, work, NEWSMON_BATCH_SIZE="10", NEWSMON_PER_HOST="4")
        procs = [start_run(feeds, env, "--all") for _ in range(runs)]
        for proc in procs:
            code, _, err = finish(proc)
            result.runs += 1
            result.survived += code == 0
            if code:
                result.notes.append(err.strip()[-200:])
        result.expected = n
        result.loaded, result.lost, result.duplicated = audit(db_url, site, paths)
    return result


def scenario_db_restart(db_url: str, work: Path, restart: Callable[[], None],
                        n: int = 200, name: str = "PostgreSQL restarted mid-run"
                        ) -> ScenarioResult:
    """Restart PostgreSQL in the middle of a run; the next run completes."""
    result = ScenarioResult(name, faults=1)
    site, paths = news_site(n, 4, delay=0.01)
    with site:
        feeds = feed_list(site, [f"/feed/{f}.xml" for f in range(4)], work)
        env = newsmon_env(db_url, work, NEWSMON_BATCH_SIZE="20", NEWSMON_PER_HOST="4")
        proc = start_run(feeds, env, "--all")
        # mid-run: once the run has fetched some pages and not all (a fixed delay may fall
        # before the run has even connected on a busy machine)
        if not _wait_for(db_url, KILL_POINTS["fetching"], proc, timeout=120):
            result.notes.append("fault not injected mid-run (the run ended first)")
        restart()
        code, _, err = finish(proc)
        result.runs += 1
        result.survived += clean_exit(code, err)
        if code:
            result.notes.append("interrupted run: " + err.strip().splitlines()[-1][:160])
        else:
            result.notes.append("interrupted run: not interrupted (exit 0)")
        code, _, err = finish(start_run(feeds, env, "--all"))
        result.runs += 1
        result.survived += code == 0
        result.expected = n
        loaded, lost, _ = audit(db_url, site, paths)
        result.loaded, result.lost = loaded, lost
        result.duplicated = audit_rows_only(db_url)
    return result


def hostile_files(n_good: int = 20) -> tuple[dict[str, bytes], dict[str, object], list[str],
                                               list[str], list[str]]:
    """Hostile feeds and pages beside good ones.

    Returns (files, overrides, feed paths, good article paths, bad article paths).
    """
    files: dict[str, bytes] = {}
    overrides: dict[str, object] = {}
    good = [f"/good/{i}.html" for i in range(n_good)]
    for i, path in enumerate(good):
        files[path] = article_page(1000 + i)
    bad_pages = {
        "/bad/report.pdf": Reply(200, b"%PDF-1.4 fake", {"Content-Type": "application/pdf"}),
        "/bad/photo.jpg": Reply(200, b"\xff\xd8\xff\xe0" + b"0" * 100,
                                {"Content-Type": "image/jpeg"}),
        "/bad/binary.html": Reply(200, b"\x7fELF\x02\x01\x01" + b"\x00" * 200,
                                  {"Content-Type": "text/html"}),
        "/bad/empty.html": Reply(200, b"<html><body><nav>Home</nav></body></html>",
                                 {"Content-Type": "text/html"}),
        "/bad/huge.html": Reply(200, b"<html>" + b"x" * 11_000_000,
                                {"Content-Type": "text/html"}),
        "/bad/gone.html": Reply(410, b"gone"),
        "/bad/busy.html": Reply(503, b"busy", {"Retry-After": "3600"}),
        "/bad/loop.html": Reply(302, b"", {"Location": "/bad/loop2.html"}),
        "/bad/loop2.html": Reply(302, b"", {"Location": "/bad/loop.html"}),
        "/bad/bomb.html": _bomb_reply(),
    }
    overrides.update(bad_pages)
    overrides["/bad/slow.html"] = trickle
    bad = [p for p in bad_pages if p != "/bad/loop2.html"] + ["/bad/slow.html"]
    wrong_charset = article_page(2000).replace(b"Report", "Rapport déjà".encode("latin-1"))
    files["/good/latin1-labelled-utf8.html"] = wrong_charset
    overrides["/good/latin1-labelled-utf8.html"] = Reply(
        200, wrong_charset, {"Content-Type": "text/html; charset=utf-8"})
    good.append("/good/latin1-labelled-utf8.html")
    links = [(f"Good {i}", "{{BASE_URL}}" + p) for i, p in enumerate(good)]
    links += [(f"Bad {i}", "{{BASE_URL}}" + p) for i, p in enumerate(bad)]
    links += [("script", "javascript:alert(1)"), ("data", "data:text/html,hi"),
              ("long", "{{BASE_URL}}/" + "a" * 5000), ("relative", "/good/0.html")]
    files["/feeds/mixed.xml"] = rss(links, "Mixed <script>alert(1)</script>")
    files["/feeds/noguid.xml"] = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>No guids</title>'
        + b"".join(b"<item><title>x</title><link>{{BASE_URL}}" + p.encode() + b"</link>"
                   b"<pubDate>not a date</pubDate></item>" for p in good[:5])
        + b"<item><title>future</title><link>{{BASE_URL}}/good/1.html</link>"
          b"<pubDate>Mon, 01 Jan 2099 00:00:00 GMT</pubDate></item></channel></rss>")
    laughs = b'<!ENTITY a0 "haha">' + b"".join(
        b'<!ENTITY a%d "%s">' % (k, (b"&a%d;" % (k - 1)) * 10) for k in range(1, 10))
    files["/feeds/laughs.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE rss [' + laughs + b"]>"
        b'<rss version="2.0"><channel><title>&a9;</title><item><title>&a9;</title>'
        b"<link>{{BASE_URL}}/good/2.html</link></item></channel></rss>")
    files["/feeds/flat-entity.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "' + b"X" * 50_000 + b'">]>'
        b'<rss version="2.0"><channel><title>flat</title>'
        + b"<item><title>&big;</title><link>{{BASE_URL}}/good/3.html</link></item>" * 20_000
        + b"</channel></rss>")
    files["/feeds/xxe.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&xxe;</title><item><title>&xxe; leak</title>'
        b"<link>{{BASE_URL}}/good/4.html</link><description>&xxe;</description></item>"
        b"</channel></rss>")
    overrides["/feeds/bomb.xml"] = _bomb_reply("application/rss+xml")
    overrides["/feeds/slow.xml"] = trickle
    overrides["/feeds/loop.xml"] = Reply(301, b"", {"Location": "/feeds/loop.xml?x=1"})
    overrides["/feeds/limited.xml"] = Reply(429, b"", {"Retry-After": "120"})
    overrides["/feeds/error.xml"] = Reply(500, b"boom")
    feeds = ["/feeds/mixed.xml", "/feeds/noguid.xml", "/feeds/laughs.xml",
             "/feeds/flat-entity.xml", "/feeds/xxe.xml", "/feeds/bomb.xml", "/feeds/slow.xml",
             "/feeds/loop.xml", "/feeds/limited.xml", "/feeds/error.xml", "/feeds/absent.xml"]
    return files, overrides, feeds, good, bad


def _bomb_reply(content_type: str = "text/html") -> Reply:
    return Reply(200, gzip.compress(b" " * 200_000_000, 9),
                 {"Content-Type": content_type, "Content-Encoding": "gzip"})


def trickle(handler) -> Reply:
    """Answer 200, then send one byte every half second (a slow-loris server)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    try:
        for _ in range(1000):
            handler.wfile.write(b"<")
            handler.wfile.flush()
            time.sleep(0.5)
    except OSError:
        pass
    handler.close_connection = True
    return HANDLED


def scenario_hostile(db_url: str, work: Path) -> ScenarioResult:
    files, overrides, feed_paths, good, bad = hostile_files()
    result = ScenarioResult("hostile feeds and pages", faults=len(feed_paths) + len(bad) + 4)
    with Site(files=files) as site:
        site.overrides.update(overrides)
        feeds = feed_list(site, feed_paths, work)
        env = newsmon_env(db_url, work)
        for extra in ((), ("--all",)):
            code, out, err = finish(start_run(feeds, env, *extra))
            result.runs += 1
            result.survived += code == 0
            if code:
                result.notes.append(err.strip()[-300:])
        result.expected = len(good)
        result.loaded, result.lost, result.duplicated = audit(db_url, site, good)
        conn = psycopg2.connect(db_url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT url, status, last_error FROM articles WHERE url = ANY(%s)",
                            ([site.url(p) for p in bad],))
                recorded = {u: (s, e) for u, s, e in cur.fetchall()}
                cur.execute("SELECT count(*) FROM feeds f WHERE NOT EXISTS "
                            "(SELECT 1 FROM feed_polls p WHERE p.feed_id = f.id)")
                unpolled = cur.fetchone()[0]
                cur.execute(
                    "SELECT count(*) FROM (SELECT title FROM feeds UNION ALL SELECT feed_title "
                    "FROM feeds UNION ALL SELECT feed_title FROM articles UNION ALL "
                    "SELECT feed_summary FROM articles UNION ALL SELECT entry_title FROM "
                    "feed_articles) t(v) WHERE v ~* '<script|<iframe|onerror=|root:x:0:0'")
                unsafe = cur.fetchone()[0]
                cur.execute("SELECT max(length(feed_title)) FROM articles")
                longest_title = cur.fetchone()[0] or 0
        finally:
            conn.close()
    unrecorded = [p for p in bad if site.url(p) not in recorded
                  or recorded[site.url(p)][0] not in ("failed", "skipped")
                  or not recorded[site.url(p)][1]]
    result.lost += len(unrecorded) + unpolled + unsafe
    if unrecorded:
        result.notes.append(f"bad pages without a recorded outcome: {unrecorded}")
    if unpolled:
        result.notes.append(f"{unpolled} feeds without a recorded poll")
    if unsafe:
        result.notes.append(f"{unsafe} stored fields with markup or file contents")
    if longest_title > 1000:
        result.notes.append(f"entity expansion reached the database ({longest_title} chars)")
        result.lost += 1
    return result


def scenario_huge_feed(db_url: str, work: Path, items: int = 50_000) -> ScenarioResult:
    """A feed of ``items`` entries: discovered in full, in bounded memory (polling only)."""
    result = ScenarioResult(f"{items:,}-item feed (poll only)", faults=1)
    body = "".join(f"<item><title>Item {i}</title><link>{{{{BASE_URL}}}}/big/{i}.html</link>"
                   f"<guid>big-{i}</guid></item>" for i in range(items))
    files = {"/big.xml": (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big'
                          f"</title>{body}</channel></rss>").encode()}
    script = (
        "import json, resource, sys\n"
        "from etl.settings import Settings\n"
        "from etl.store.db import connect\nfrom etl.store.migrate import migrate\n"
        "from etl.stages.feedlist import load_feed_list\nfrom etl.web.http import HttpClient\n"
        "from etl.stages.poll import due_feeds, poll_feeds, sync_feeds\n"
        "s = Settings.from_env()\nc = connect(s.database_url)\nmigrate(c)\n"
        "sync_feeds(c, load_feed_list(sys.argv[1]))\n"
        "with HttpClient(s) as h:\n"
        "    out = poll_feeds(c, s, h, due_feeds(c, all_feeds=True))\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent
        "hwm = [int(line.split()[1]) for line in open('/proc/self/status')"
        " if line.startswith('VmHWM:')]\n"
        "peak = hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'new': sum(o.new_articles for o in out), 'rss_mb': peak / 1024}))\n"
    )
    with Site(files=files) as site:
        feeds = feed_list(site, ["/big.xml"], work, "big.yaml")
        proc = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script, str(feeds)], env=newsmon_env(db_url, work),
            capture_output=True, text=True, timeout=900, check=False,
        )
    result.runs = 1
    result.survived = int(proc.returncode == 0)
    result.expected = items
    if proc.returncode == 0:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        result.loaded = report["new"]
        result.notes.append(f"peak RSS {report['rss_mb']:.0f} MB")
    else:
        result.notes.append(proc.stderr.strip()[-300:])
    result.lost = items - result.loaded
    result.duplicated = audit_rows_only(db_url)
    return result


def scenario_badfeeds(db_url: str, work: Path, corpus: Path) -> ScenarioResult | None:
    """feedparser's 63 malformed and hostile feeds, served with their manifest's headers."""
    manifest_path = corpus / "badfeeds" / "manifest.json"
    if not manifest_path.is_file():
        return None
    manifest = json.loads(manifest_path.read_text())["files"]
    result = ScenarioResult("feedparser's malformed/hostile feeds", faults=len(manifest))
    with Site() as site:
        for name, spec in manifest.items():
            body = (corpus / "badfeeds" / name).read_bytes()
            headers = dict(spec.get("http_headers") or {})
            headers.setdefault("Content-Type", "application/xml")
            site.overrides[f"/bad/{name}"] = Reply(200, body, headers)
        feeds = feed_list(site, [f"/bad/{name}" for name in manifest], work, "bad.yaml")
        code, out, err = finish(start_run(feeds, newsmon_env(db_url, work)))
        result.runs, result.survived = 1, int(code == 0)
        conn = psycopg2.connect(db_url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT f.url, count(p.id), bool_or(p.error IS NULL) FROM feeds f "
                            "LEFT JOIN feed_polls p ON p.feed_id = f.id GROUP BY f.url")
                polls = {u.rsplit("/", 1)[1]: (n, ok) for u, n, ok in cur.fetchall()}
                cur.execute(
                    "SELECT count(*) FROM (SELECT title FROM feeds UNION ALL SELECT feed_title "
                    "FROM feeds UNION ALL SELECT site_url FROM feeds UNION ALL SELECT "
                    "feed_title FROM articles UNION ALL SELECT feed_summary FROM articles "
                    "UNION ALL SELECT entry_title FROM feed_articles) t(v) "
                    "WHERE v ~* '<script|<iframe|onerror|javascript:|<style'")
                unsafe = cur.fetchone()[0]
        finally:
            conn.close()
    result.expected = len(manifest)
    result.loaded = sum(1 for n, _ in polls.values() if n >= 1)
    result.lost = len(manifest) - result.loaded + unsafe
    parsed = sum(1 for _, ok in polls.values() if ok)
    result.notes.append(f"{parsed} parsed (some with warnings), {len(manifest) - parsed} "
                        "recorded as errors")
    if unsafe:
        result.notes.append(f"{unsafe} stored fields with active markup")
    return result


# -- poison items: one hostile value of each kind among good ones --------------------------------

POISON_MAX_BACKOFF = 3600  # NEWSMON_MAX_BACKOFF of the poison runs


def many_words_page(words: int = 90_000) -> bytes:
    """A page of about 800 KB holding ``words`` distinct words: its full search vector would
    pass PostgreSQL's 1 MB tsvector limit."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    n = len(syllables)
    vocabulary = ["".join(syllables[(i // n ** k) % n] for k in range(4)) for i in range(words)]
    paras = "".join("<p>" + " ".join(vocabulary[i:i + 100]) + ".</p>"
                    for i in range(0, words, 100))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Word list</title>"
            "</head><body><article><h1>Ninety thousand words</h1>" + paras
            + "</article></body></html>").encode()


def _item(title: str, link: str, *, guid: str | None = None, date: str | None = None,
          description: str | None = None) -> str:
    return (f"<item><title>{title}</title><link>{link}</link>"
            + (f"<guid>{guid}</guid>" if guid else "")
            + (f"<pubDate>{date}</pubDate>" if date else "")
            + (f"<description>{description}</description>" if description else "")
            + "</item>")


def poison_files(n_good: int = 10) -> tuple[dict[str, bytes], dict[str, object], list[str],
                                             list[str]]:
    """A site whose feeds and pages hold one poison item of each kind among good ones.

    Returns (files, overrides, good article paths, bad article paths).
    """
    files: dict[str, bytes] = {}
    overrides: dict[str, object] = {}
    good = [f"/good/{i}.html" for i in range(n_good)]
    for i, path in enumerate(good):
        files[path] = article_page(3000 + i)
    # loaded, with a bounded search vector
    files["/poison/many-words.html"] = many_words_page()
    # loaded, without its publication date of 1985
    files["/poison/old-date.html"] = article_page(3100).replace(b"2026-11-2", b"1985-11-2")
    good += ["/poison/many-words.html", "/poison/old-date.html"]
    # failed, retried no later than NEWSMON_MAX_BACKOFF from now
    overrides["/poison/retry-overflow.html"] = Reply(
        503, b"busy", {"Retry-After": "99999999999999999999"})
    overrides["/poison/retry-huge.html"] = Reply(503, b"busy", {"Retry-After": "100000000000"})
    bad = ["/poison/retry-overflow.html", "/poison/retry-huge.html"]
    base = "{{BASE_URL}}"
    items = [
        _item("NUL&#0;in the title", base + good[0], guid="guid&#0;zero"),
        _item("a lone &#xD800; surrogate", base + good[1], description="x &#xDFFF; y"),
        _item("dated 1970", base + good[2], date="Thu, 01 Jan 1970 00:00:00 GMT"),
        _item("CJK link", base + "/poison/" + "新" * 2000),
    ]
    items += [_item(f"Good {i}", base + p) for i, p in enumerate(good[3:], 3)]
    items += [_item(f"Bad {i}", base + p) for i, p in enumerate(bad)]
    files["/feeds/poison.xml"] = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Poison</title>'
        f"<link>{base}/</link>" + "".join(items) + "</channel></rss>").encode()
    # a raw NUL byte makes the document malformed: parsed leniently, its entries still count
    files["/feeds/raw-nul.xml"] = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Raw</title>'
        + _item("raw \x00 NUL", base + good[3], description="d\x00d").encode()
        + _item("Good again", base + good[4]).encode() + b"</channel></rss>")
    return files, overrides, good, bad


def poison_feed_list(site: Site, directory: Path) -> tuple[Path, int]:
    """The feed list: the two feeds, plus three entries that must be skipped (returned count)."""
    target = directory / "poison.yaml"
    target.write_text(
        "feeds:\n"
        f'  - url: "{site.url("/feeds/poison.xml")}"\n'
        f'  - url: "{site.url("/feeds/raw-nul.xml")}"\n'
        f'  - url: "{site.url("/feeds/long/" + "x" * 6000)}"\n'
        f'  - url: "{site.url("/feeds/nul-title.xml")}"\n    title: "bad \\0 title"\n'
        f'  - url: "{site.url("/feeds/nul-tag.xml")}"\n    tags: ["ok", "bad \\0 tag"]\n')
    return target, 3


def scenario_poison(db_url: str, work: Path, n_good: int = 10) -> ScenarioResult:
    """One poison item of each kind among good ones, two runs: every good article loaded, each
    bad item recorded with its reason, the second run unblocked (it loads a late article)."""
    files, overrides, good, bad = poison_files(n_good)
    result = ScenarioResult("poison items (NUL, surrogate, long link, 1 MB tsvector, "
                            "Retry-After, dates, feed list)", faults=12)
    with Site(files=files) as site:
        site.overrides.update(overrides)
        feeds, skipped = poison_feed_list(site, work)
        env = newsmon_env(db_url, work, NEWSMON_MAX_BACKOFF=str(POISON_MAX_BACKOFF))
        problems: list[str] = []
        for extra in ((), ("--all",)):
            if extra:  # the feed gains an article: the second run must get past the poison
                site.files["/good/late.html"] = article_page(3999)
                site.files["/feeds/poison.xml"] = site.files["/feeds/poison.xml"].replace(
                    b"</channel>", _item("Late", "{{BASE_URL}}/good/late.html").encode()
                    + b"</channel>")
                good.append("/good/late.html")
            code, out, err = finish(start_run(feeds, env, *extra))
            result.runs += 1
            result.survived += code == 0
            if code:
                result.notes.append(err.strip()[-300:])
            else:
                problems = json.loads(out)["feed_list_problems"]
        result.expected = len(good)
        result.loaded, result.lost, result.duplicated = audit(db_url, site, good)
        missing = _poison_records(db_url, site, bad, good)
    if len(problems) != skipped:
        missing.append(f"feed list: {len(problems)} problems reported, {skipped} expected")
    result.lost += len(missing)
    result.notes += missing
    return result


def _poison_records(db_url: str, site: Site, bad: list[str], good: list[str]) -> list[str]:
    """What is missing from the record of the bad items (empty when each has its reason)."""
    missing: list[str] = []
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT url, status, last_error, next_attempt_at <= now() + "
                "make_interval(secs => %s + 60) FROM articles WHERE url = ANY(%s)",
                (POISON_MAX_BACKOFF, [site.url(p) for p in bad]))
            recorded = {u: (s, e, capped) for u, s, e, capped in cur.fetchall()}
            for path in bad:
                status, error, capped = recorded.get(site.url(path), (None, None, None))
                if status != "failed" or "503" not in (error or "") or not capped:
                    missing.append(f"{path}: {status}, {error}, retry capped: {capped}")
            cur.execute("SELECT string_agg(warning, ' ') FROM feed_polls")
            if "bytes long" not in (cur.fetchone()[0] or ""):
                missing.append("the CJK link was not recorded as too long")
            cur.execute("SELECT count(*) FROM articles WHERE published_at < '1990-01-01' OR "
                        "feed_published_at < '1990-01-01'")
            if cur.fetchone()[0]:
                missing.append("a publication date before 1990 was stored")
            cur.execute("SELECT search_tsv IS NOT NULL FROM articles WHERE url = %s",
                        (site.url("/poison/many-words.html"),))
            if cur.fetchone() != (True,):
                missing.append("the 90,000-word page has no search vector")
            cur.execute("SELECT count(*) FROM feeds")
            if cur.fetchone()[0] != 2:
                missing.append("feed list: bad entries reached the feeds table")
            cur.execute("SELECT count(*) FROM feed_articles fa JOIN feeds f ON f.id = fa.feed_id "
                        "WHERE f.url LIKE '%%raw-nul.xml'")
            if cur.fetchone()[0] != 2:
                missing.append("the feed with a raw NUL lost entries")
    finally:
        conn.close()
    return missing


# -- the command --------------------------------------------------------------------------------


def _bombs(db_url: str, work: Path) -> ScenarioResult:
    from bench.bombs import scenario_bombs  # (imports this module)

    return scenario_bombs(db_url, work)


def _hardening(fresh: Callable[[str], str], work: Path) -> list[tuple[str, Callable]]:
    from bench.hardening import steps  # (imports this module)

    return steps(fresh, work)


def print_table(results: list[ScenarioResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="newsmon fault-injection campaign")
    for col in ("scenario", "faults", "runs survived", "expected", "loaded", "lost",
                "duplicated", "notes"):
        table.add_column(col, justify="left" if col in ("scenario", "notes") else "right")
    for r in results:
        table.add_row(r.name, str(r.faults), f"{r.survived}/{r.runs}", str(r.expected),
                      str(r.loaded), str(r.lost), str(r.duplicated), "; ".join(r.notes)[:120],
                      style=None if r.ok else "red")
    Console(width=170).print(table)


def main() -> int:
    import tempfile

    from etl.store.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="newsmon-campaign-") as tmp:
        work = Path(tmp)
        server = EmbeddedPostgres(work / "pg")
        admin = server.url().replace("/newsmon?", "/postgres?", 1)
        results: list[ScenarioResult] = []

        def fresh(name: str) -> str:
            conn = psycopg2.connect(admin)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                cur.execute(f"CREATE DATABASE {name}")
            conn.close()
            return admin.replace("/postgres?", f"/{name}?", 1)

        def restart() -> None:
            server.stop()
            server.url()

        def crash() -> None:  # pg_ctl -m immediate: no shutdown, crash recovery at start
            subprocess.run(server._as_owner([server._pg_ctl(), "-D", str(server.pgdata),  # noqa: S603
                                             "-m", "immediate", "-w", "stop"]),
                           check=True, capture_output=True)
            server.url()

        corpus = corpus_dir()
        try:
            steps = [
                ("clean", lambda: scenario_clean(fresh("c_clean"), work)),
                ("hostile", lambda: scenario_hostile(fresh("c_hostile"), work)),
                ("poison", lambda: scenario_poison(fresh("c_poison"), work)),
                ("badfeeds", lambda: scenario_badfeeds(fresh("c_bad"), work, corpus)),
                ("sigkill", lambda: scenario_sigkill(fresh("c_kill"), work)),
                ("concurrent", lambda: scenario_concurrent(fresh("c_conc"), work)),
                ("restart", lambda: scenario_db_restart(fresh("c_restart"), work, restart)),
                ("crash", lambda: scenario_db_restart(
                    fresh("c_crash"), work, crash, name="PostgreSQL crashed mid-run")),
                ("huge", lambda: scenario_huge_feed(fresh("c_huge"), work)),
                ("bombs", lambda: _bombs(fresh("c_bombs"), work)),
                *_hardening(fresh, work),  # issue 20: one scenario per class
            ]
            wanted = set(sys.argv[1:])  # scenario names; none: all of them
            unknown = wanted - {name for name, _ in steps}
            if unknown:
                print(f"unknown scenarios: {sorted(unknown)}", file=sys.stderr)
                return 2
            for name, step in steps:
                if wanted and name not in wanted:
                    continue
                started = time.monotonic()
                outcome = step()
                if outcome is None:
                    print(f"{name}: skipped (corpus not found at {corpus})", file=sys.stderr)
                    continue
                outcome.notes.append(f"{time.monotonic() - started:.0f} s")
                results.append(outcome)
                print(json.dumps(asdict(outcome)), file=sys.stderr)
        finally:
            server.stop()
    print_table(results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
