"""Security: the read-only analyst role, credentials kept out of output, parameterised SQL."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import psycopg2
import pytest
from conftest import ROOT, rows

from etl.errors import BlockedAddress, ConfigError, DatabaseError, FetchError
from etl.run.pipeline import run
from etl.settings import Settings
from etl.store.db import connect, redact
from etl.web.guard import embedded_ipv4, is_public_ip, system_resolve
from etl.web.http import HttpClient
from etl.web.site import Reply, Site


def test_reader_role_reads_everything_and_changes_nothing(db_url, settings, site, feeds_file,
                                                          conn):
    run(settings, feeds_file)
    with conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS analyst_test")
        cur.execute("CREATE ROLE analyst_test LOGIN PASSWORD 'pw-test' IN ROLE newsmon_reader")
    conn.commit()
    reader_url = db_url.replace("postgres:@", "analyst_test:pw-test@", 1)
    assert "analyst_test" in reader_url
    reader = psycopg2.connect(reader_url)
    try:
        with reader.cursor() as cur:
            cur.execute("SELECT count(*) FROM articles WHERE status = 'extracted'")
            assert cur.fetchone()[0] == 3
            cur.execute("SELECT count(*) FROM analytics.feed_health")
            assert cur.fetchone()[0] == 2
        reader.rollback()
        for statement in ("UPDATE articles SET title = 'x'", "DELETE FROM feeds",
                          "INSERT INTO feeds (url) VALUES ('http://x.test/')",
                          "CREATE TABLE mine (id int)", "CREATE TABLE analytics.mine (id int)",
                          "DROP VIEW analytics.feed_health"):
            with reader.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
            reader.rollback()
    finally:
        reader.close()
        with conn.cursor() as cur:
            cur.execute("DROP OWNED BY analyst_test")
            cur.execute("DROP ROLE analyst_test")
        conn.commit()


def test_feed_health_view(settings, site, feeds_file, conn, tmp_path):
    site.overrides["/feeds/moved.xml"] = Reply(301, b"", {"Location": "/feeds/alpha.xml"})
    listing = feeds_file.read_text() + (
        f'  - url: "{site.base_url}/feeds/moved.xml"\n  - url: "{site.base_url}/feeds/nope.xml"\n')
    path = tmp_path / "health.yaml"
    path.write_text(listing)
    run(settings, path)
    health = {r[0].rsplit("/", 1)[1]: r[1:] for r in rows(
        conn, "SELECT url, health, last_error, redirected_to FROM analytics.feed_health")}
    assert health["nope.xml"][:2] == ("failing", "ClientError: HTTP 404")
    assert health["moved.xml"][0] == "redirected"
    assert health["moved.xml"][2].endswith("/feeds/alpha.xml")
    assert health["alpha.xml"][0] == "ok"


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_credentials_never_appear_in_logs_or_summaries(db_url, site, feeds_file, tmp_path):
    # the embedded server trusts its owner on the socket, so a URL with a password still works
    with_password = db_url.replace("postgres:@", "postgres:hunter2-secret@", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update({"NEWSMON_DATABASE_URL": with_password, "NEWSMON_HOME": str(tmp_path),
                "NEWSMON_ALLOW_PRIVATE_NETWORKS": "1"})
    newsmon = str(Path(sys.executable).parent / "newsmon")
    result = subprocess.run([newsmon, "-vv", "run", "--feeds", str(feeds_file)], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "run summary" in result.stderr  # the verbose log really was produced
    assert "hunter2" not in result.stdout + result.stderr


def test_ruff_security_rules_are_clean():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run([str(ruff), "check", "--select", "S", "etl", "dags"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


# -- the private-network guard ---------------------------------------------------------------

STRICT = Settings(allow_private_networks=False, connect_timeout=1, read_timeout=2,
                  total_timeout=4, max_redirects=3)
CAP = 1_000_000


@pytest.fixture
def web():
    with Site(files={"/page.html": b"<html><body>internal</body></html>",
                     "/feed.xml": b"<rss version='2.0'><channel></channel></rss>"}) as s:
        yield s


def test_configured_feed_redirecting_to_a_private_address_is_refused(web):
    web.overrides["/moved.xml"] = Reply(302, headers={"Location": "/page.html"})
    with HttpClient(STRICT) as client:
        # the configured feed URL itself is trusted (an intranet feed is the operator's choice)
        assert client.get(web.url("/feed.xml"), max_bytes=CAP).status == 200
        with pytest.raises(BlockedAddress, match="non-public address 127.0.0.1"):
            client.get(web.url("/moved.xml"), max_bytes=CAP)
    assert web.hits("/page.html") == 0  # refused before any request reached it
    # the opt-out still lifts it
    with HttpClient(replace(STRICT, allow_private_networks=True)) as client:
        assert client.get(web.url("/moved.xml"), max_bytes=CAP).content.endswith(b"</html>")


def test_allowed_private_hosts_lift_the_guard_for_that_host_and_port_only(web):
    allowed = replace(STRICT, allowed_private_hosts=(f"127.0.0.1:{web.port}",))
    with Site(files={"/other.html": b"<html>other service</html>"}) as other, \
            HttpClient(allowed) as client:
        assert client.get(web.url("/page.html"), max_bytes=CAP, check_address=True).status == 200
        with pytest.raises(BlockedAddress):
            client.get(other.url("/other.html"), max_bytes=CAP, check_address=True)
        assert other.hits("/other.html") == 0


@pytest.mark.parametrize("literal", [
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:a9fe:a9fe",  # mapped cloud metadata address, hex form
    "64:ff9b::7f00:1",  # NAT64 well-known prefix
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::",  # 6to4 of 192.168.1.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "64:ff9b:1::a00:1",  # local-use NAT64 (RFC 8215)
])
def test_ipv6_forms_embedding_a_private_ipv4_are_refused(literal, web):
    with HttpClient(STRICT) as client, pytest.raises(BlockedAddress, match="non-public"):
        client.get(f"http://[{literal}]:{web.port}/page.html", max_bytes=CAP, check_address=True)
    assert not is_public_ip(literal)


@pytest.mark.parametrize("literal", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"])
def test_ipv6_forms_embedding_a_public_ipv4_are_judged_by_it(literal):
    # an IPv6-only network with DNS64 reaches every public site through 64:ff9b::/96
    assert is_public_ip(literal)
    assert embedded_ipv4(ipaddress.ip_address(literal)) == [ipaddress.ip_address("8.8.8.8")]


class FlippingResolver:
    """An attacker's DNS: a public address for the check, then loopback (DNS rebinding)."""

    def __init__(self, answers: list[list[str]]) -> None:
        self.answers, self.calls = answers, []

    def __call__(self, host: str, port: int) -> list[str]:
        if host != "rebind.test":
            return system_resolve(host, port)
        self.calls.append(host)
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def test_dns_rebinding_cannot_swap_the_checked_address(web):
    # public for the early check, loopback when the connection is made
    resolver = FlippingResolver([["192.0.43.10"], ["127.0.0.1"]])
    with HttpClient(STRICT, resolver=resolver) as client:
        with pytest.raises(BlockedAddress, match="127.0.0.1"):
            client.get(f"http://rebind.test:{web.port}/page.html", max_bytes=CAP,
                       check_address=True)
        assert web.requests == []  # the loopback service never saw a request
        # public for the connection's own check, loopback a moment later
        resolver.answers, resolver.calls = [["192.0.43.10"], ["192.0.43.10"], ["127.0.0.1"]], []
        with pytest.raises(FetchError) as caught:
            client.get(f"http://rebind.test:{web.port}/page.html", max_bytes=CAP,
                       check_address=True)
    assert not isinstance(caught.value, BlockedAddress)  # it tried the checked public address
    assert len(resolver.calls) == 2  # early check and connection: no third lookup to rebind
    assert web.requests == []


def test_the_pinned_connection_keeps_the_host_name(web):
    resolver = FlippingResolver([["127.0.0.1"]])
    allowed = replace(STRICT, allowed_private_hosts=(f"rebind.test:{web.port}",))
    with HttpClient(allowed, resolver=resolver) as client:
        response = client.get(f"http://rebind.test:{web.port}/page.html", max_bytes=CAP,
                              check_address=True)
    assert response.status == 200 and b"internal" in response.content
    assert web.requests[-1][1]["Host"] == f"rebind.test:{web.port}"
    assert resolver.calls  # the name went through our resolver, not the system's


# -- the feeds_file DAG parameter ------------------------------------------------------------


@pytest.fixture
def task_env(monkeypatch, db_url, tmp_path):
    """The environment of an Airflow task, with NEWSMON_FEEDS_DIR = tmp_path/feeds."""
    feeds_dir = tmp_path / "feeds"
    feeds_dir.mkdir()
    monkeypatch.delenv("AIRFLOW_CONN_NEWSMON_DB", raising=False)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", db_url)
    monkeypatch.setenv("NEWSMON_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEWSMON_FEEDS_DIR", str(feeds_dir))
    return feeds_dir


def test_feeds_file_parameter_is_confined_to_the_feeds_dir(task_env, site, tmp_path):
    from etl.run import tasks

    secret = tmp_path / "secret.yaml"
    secret.write_text("feeds:\n  - url: http://secret.example/TOP-SECRET-LINE\n")
    (task_env / "link.yaml").symlink_to(secret)
    for name in (str(secret), "../secret.yaml", "link.yaml", "/etc/passwd"):
        with pytest.raises(ConfigError, match="NEWSMON_FEEDS_DIR") as caught:
            tasks.sync_feed_list(name)
        assert "TOP-SECRET" not in str(caught.value)
    (task_env / "mine.yaml").write_text(f'feeds:\n  - url: "{site.base_url}/feeds/alpha.xml"\n')
    synced = tasks.sync_feed_list("mine.yaml")  # relative to NEWSMON_FEEDS_DIR
    assert synced["feeds_file"] == str((task_env / "mine.yaml").resolve())
    assert synced["active"] == 1
    assert tasks.sync_feed_list(str(task_env / "mine.yaml"))["active"] == 1  # absolute, inside


@pytest.mark.parametrize(("text", "where"), [
    ("feeds:\n  - url: http://a.example/\n    title: 'hunter2-secret\n", "line"),
    ("root:x:0:0:hunter2-secret:/root:/bin/bash\n  daemon: hunter2-secret: x\n", "line 2"),
    ("feeds: [*hunter2-secret]\n", "line 1"),
    ("feeds:\n\t- hunter2-secret\n", "line 2"),
])
def test_feed_list_errors_do_not_echo_the_file(task_env, text, where):
    from etl.run import tasks

    (task_env / "bad.yaml").write_text(text)
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        tasks.sync_feed_list("bad.yaml")
    assert where in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_opml_errors_do_not_echo_the_file(task_env):
    from etl.run import tasks

    (task_env / "bad.opml").write_text("<opml><body><hunter2-secret></body></opml>")
    with pytest.raises(ConfigError, match="not valid OPML/XML at line 1") as caught:
        tasks.sync_feed_list("bad.opml")
    assert "hunter2" not in str(caught.value)


# -- passwords in connection strings ---------------------------------------------------------

SECRET_FORMS = [
    "postgresql://newsmon:Hunter2Tiger9@127.0.0.1:1/db",
    "postgresql://newsmon:Hunter2%zzTiger9@127.0.0.1:1/db",  # bad percent-encoding
    "postgresql://newsmon:Hunter2/Tiger9@127.0.0.1:1/db",  # unencoded /
    "postgresql://newsmon:7777/Tiger9@127.0.0.1:1/db",  # unencoded /, digits before it
    "postgresql://newsmon:Hunter2?Tiger9@127.0.0.1:1/db",  # unencoded ?
    "postgresql://newsmon:Hunter2#Tiger9@127.0.0.1:1/db",  # unencoded #
    "postgresql://newsmon:Hunter2@Tiger9@127.0.0.1:1/db",  # unencoded @
    "postgresql://newsmon:Hunter2:Tiger9@127.0.0.1:1/db",  # unencoded :
    "postgresql://newsmon:Hunter2%2FTiger9@127.0.0.1:1/db",  # properly encoded
    "postgres://newsmon:Hunter2Tiger9@127.0.0.1:1,127.0.0.1:2/db",  # several hosts
    "postgresql://newsmon@127.0.0.1:1/db?password=Hunter2Tiger9",
    "postgresql://newsmon@127.0.0.1:1/db?PASSWORD=Hunter2Tiger9",
    "postgresql://newsmon:Hunter2Tiger9@127.0.0.1:1/db?sslpassword=Hunter2Tiger9",
    "host=127.0.0.1 port=1 dbname=db password = Hunter2Tiger9",  # spaces around =
    "host=127.0.0.1 port=1 dbname=db PASSWORD=Hunter2Tiger9",
    "host=127.0.0.1 port=1 dbname=db password='Hunter2 Tiger9'",
    "host=127.0.0.1 port=1 dbname=db password=Hunter2\\ Tiger9",
    "host=127.0.0.1 port=1 dbname=db password='Hunter2Tiger9",  # unterminated quote
]


@pytest.mark.parametrize("dsn", SECRET_FORMS)
def test_passwords_never_appear_in_connection_errors(dsn):
    import traceback

    with pytest.raises(DatabaseError) as caught:
        connect(dsn)
    shown = "".join(traceback.format_exception(caught.value)) + redact(dsn)
    for fragment in ("Hunter2", "Tiger9", "7777"):
        assert fragment not in shown, shown
    assert "cannot connect to" in str(caught.value)


def test_redacted_strings_keep_what_helps():
    shown = redact("postgresql://newsmon:Hunter2Tiger9@db.example:5433/news?sslmode=require")
    assert "Hunter2" not in shown
    assert {"user=newsmon", "password=***", "host=db.example", "port=5433", "dbname=news",
            "sslmode=require"} <= set(shown.split())
    assert redact("postgresql://u:p%zz@h/db") == "postgresql://*** (cannot be parsed)"


def test_connection_errors_still_name_the_cause():
    with pytest.raises(DatabaseError, match="Connection refused"):
        connect("postgresql://newsmon:Hunter2Tiger9@127.0.0.1:1/db")
    with pytest.raises(DatabaseError, match="percent-encode"):
        connect("postgresql://newsmon:Hunter2/Tiger9@127.0.0.1:1/db")


# -- what an analyst's session can hold up ---------------------------------------------------

OLD_ADVISORY_KEYS = [  # the keys the pipeline locked before: anyone could take them
    "SELECT pg_advisory_lock(1852143475)",  # migrations
    "SELECT pg_advisory_lock(1852143476)",  # story clustering
    "SELECT pg_advisory_lock(1852143475, 2000)", "SELECT pg_advisory_lock(1852143475, 2001)",
]


@pytest.fixture
def reader(conn, db_url):
    """A session of a login role in newsmon_reader (an analyst)."""
    with conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS analyst_lock")
        cur.execute("CREATE ROLE analyst_lock LOGIN PASSWORD 'analyst-pw' IN ROLE newsmon_reader")
    conn.commit()
    session = psycopg2.connect(db_url.replace("postgres:@", "analyst_lock:analyst-pw@", 1))
    yield session
    session.close()
    with conn.cursor() as cur:
        cur.execute("DROP OWNED BY analyst_lock")
        cur.execute("DROP ROLE analyst_lock")
    conn.commit()


def _finishes(target, timeout: float) -> object:
    """Run ``target`` in a thread; fail (instead of hanging) if it is still blocked later."""
    result: dict = {}

    def work():
        try:
            result["value"] = target()
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            result["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still blocked after {timeout:.0f}s"
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_an_analyst_session_cannot_stall_the_pipeline(task_env, settings, site, feeds_file,
                                                      reader, monkeypatch):
    from etl.run import tasks

    with reader.cursor() as cur:
        for statement in OLD_ADVISORY_KEYS:
            cur.execute(statement)
        # an open transaction that read everything, as a long analysis would
        cur.execute("SELECT count(*) FROM articles, pipeline_locks, schema_migrations")
        cur.execute("LOCK TABLE pipeline_locks, schema_migrations IN ACCESS SHARE MODE")
    for statement in ("SELECT * FROM pipeline_locks FOR UPDATE",
                      "SELECT * FROM pipeline_locks FOR KEY SHARE",
                      "LOCK TABLE pipeline_locks IN ROW SHARE MODE",
                      "LOCK TABLE schema_migrations IN EXCLUSIVE MODE"):
        with reader.cursor() as cur:
            cur.execute("SAVEPOINT try")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
            cur.execute("ROLLBACK TO SAVEPOINT try")
    # while the analyst's session holds all that: a whole run (migrations, clustering) ...
    monkeypatch.setenv("NEWSMON_ALLOW_PRIVATE_NETWORKS", "1")
    summary = _finishes(lambda: run(settings, feeds_file), 60)
    assert summary.articles_new > 0
    # ... and the fetch shards of an Airflow run
    for shard in (0, 1):
        assert _finishes(lambda s=shard: tasks.work_shard("fetch", s, 2), 30)["stage"] == "fetch"
    assert _finishes(tasks.cluster_stories, 30)["clustered"] >= 0


def test_pipeline_tasks_still_exclude_each_other(db_url):
    from etl.store.locks import held

    entered = threading.Event()

    def second():
        with held(db_url, "fetch shard 0/2"):
            entered.set()

    with held(db_url, "fetch shard 0/2"):
        thread = threading.Thread(target=second, daemon=True)
        thread.start()
        assert not entered.wait(1.5)  # the second holder waits ...
    assert entered.wait(10)  # ... until the first lets go
    thread.join(10)


@pytest.fixture
def searchable(conn):
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO articles (url, host, discovered_url, status, language, title, text)
               SELECT 'http://x.example/' || i, 'x.example', 'http://x.example/' || i,
                      'extracted', 'en', 'Shelling near the river ' || i,
                      'Artillery shelling hit the river town again. ' || repeat('word ', 50)
               FROM generate_series(1, 3000) AS i""")
    conn.commit()
    return conn


def test_search_articles_is_bounded(searchable, reader):
    with reader.cursor() as cur:
        cur.execute("SELECT article_id, rank FROM analytics.search_articles('shelling river')")
        found = cur.fetchall()
        assert len(found) == 3000
        assert [r for _, r in found] == sorted((r for _, r in found), reverse=True)
        reader.rollback()
        with pytest.raises(psycopg2.errors.ProgramLimitExceeded, match="limit is 500"):
            cur.execute("SELECT * FROM analytics.search_articles(%s)", ("shelling " * 100,))
        reader.rollback()
        with pytest.raises(psycopg2.errors.ProgramLimitExceeded, match="too many terms"):
            cur.execute("SELECT * FROM analytics.search_articles(%s)",
                        (" ".join(f"w{i}" for i in range(70)),))
        reader.rollback()
        # the function's own deadline (a session may lower it, e.g. for this test)
        cur.execute("SET newsmon.search_timeout_ms = '0'")
        with pytest.raises(psycopg2.errors.QueryCanceled, match="search stopped"):
            cur.execute("SELECT * FROM analytics.search_articles('shelling')")
        reader.rollback()
        cur.execute("SET newsmon.search_timeout_ms = '999999999'")  # cannot raise it
        cur.execute("SELECT count(*) FROM analytics.search_articles('artillery')")
        assert cur.fetchone()[0] == 3000


# -- the embedded server's authentication ----------------------------------------------------


@pytest.fixture
def embedded_only():
    if os.environ.get("NEWSMON_TEST_DATABASE_URL"):
        pytest.skip("NEWSMON_TEST_DATABASE_URL is set: the embedded server is not under test")


def test_embedded_server_wants_a_password_from_every_other_role(embedded_only, conn, db_url):
    with conn.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS analyst_nopw")
        cur.execute("CREATE ROLE analyst_nopw LOGIN IN ROLE newsmon_reader")  # no password
        cur.execute("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust' "
                    "AND user_name <> '{postgres}'")
        assert cur.fetchone()[0] == 0
    conn.commit()
    try:
        for user in ("analyst_nopw:", "analyst_nopw:guess", "newsmon_reader:"):
            with pytest.raises(psycopg2.OperationalError, match="password"):
                psycopg2.connect(db_url.replace("postgres:@", f"{user}@", 1))
    finally:
        with conn.cursor() as cur:
            cur.execute("DROP ROLE analyst_nopw")
        conn.commit()


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_create_reader_gives_a_working_read_only_login(db_url, conn, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update({"NEWSMON_DATABASE_URL": db_url, "NEWSMON_HOME": str(tmp_path)})
    newsmon = str(Path(sys.executable).parent / "newsmon")

    def create(name: str) -> subprocess.CompletedProcess:
        return subprocess.run([newsmon, "db", "create-reader", name], env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    try:
        first = create("alice_reader")
        assert first.returncode == 0, first.stderr
        dsn = first.stdout.strip()
        assert "user=alice_reader" in dsn and "password=" in dsn
        reader = psycopg2.connect(dsn)
        with reader.cursor() as cur:
            cur.execute("SELECT count(*) FROM analytics.feed_health")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("DELETE FROM feeds")
        reader.close()
        second = create("alice_reader")  # a new password; the old one stops working
        assert second.returncode == 0 and second.stdout.strip() != dsn
        psycopg2.connect(second.stdout.strip()).close()
        if not os.environ.get("NEWSMON_TEST_DATABASE_URL"):
            with pytest.raises(psycopg2.OperationalError, match="password"):
                psycopg2.connect(dsn)
        refused = create("postgres")  # the owner is no reader
        assert refused.returncode != 0 and "not a reader" in refused.stderr
        assert create("Robert'); DROP TABLE feeds;--").returncode != 0
    finally:
        with conn.cursor() as cur:
            cur.execute("DROP OWNED BY alice_reader")
            cur.execute("DROP ROLE IF EXISTS alice_reader")
        conn.commit()


def test_make_airflow_demo_lifts_the_guard_for_the_demo_site_only(task_env, site, feeds_file,
                                                                  monkeypatch, conn):
    from contextlib import ExitStack

    from etl.run import tasks
    from etl.run.airflow_local import use_feed_list

    for name in ("NEWSMON_ALLOW_PRIVATE_NETWORKS", "NEWSMON_ALLOWED_PRIVATE_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("NEWSMON_DEMO_PORT", str(probe.getsockname()[1]))

    def ingest(feeds_file: str | None = None) -> dict:
        tasks.sync_feed_list(feeds_file)
        for batch in tasks.due_feed_batches(all_feeds=True):
            tasks.poll_feed_batch(batch)
        return tasks.work_shard("fetch", 0, 1)

    env: dict[str, str] = {}
    with ExitStack() as stack:
        use_feed_list(stack, Settings.from_env(), env, None)  # what `make airflow` does
        assert "NEWSMON_ALLOW_PRIVATE_NETWORKS" not in env
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert ingest()["fetched"] > 0  # the demo works: its site is allowed
        # a run of the same Airflow with a real feed list: its private links are refused
        (task_env / "real.yaml").write_text(feeds_file.read_text())
        assert ingest("real.yaml")["fetched"] == 0
    refused = rows(conn, "SELECT count(*) FROM articles WHERE host = '127.0.0.1' "
                         "AND last_error LIKE '%%non-public address%%'")[0][0]
    assert refused > 0
    assert site.hits("/news/shelling.html") == 0


def test_a_run_records_a_feed_redirected_to_a_private_address(settings, site, feeds_file, conn,
                                                              tmp_path):
    site.overrides["/feeds/moved.xml"] = Reply(302, headers={"Location": "/feeds/alpha.xml"})
    listing = tmp_path / "moved.yaml"
    listing.write_text(feeds_file.read_text() + f'  - url: "{site.base_url}/feeds/moved.xml"\n')
    run(replace(settings, allow_private_networks=False), listing)
    health = {url.rsplit("/", 1)[1]: (state, error) for url, state, error in rows(
        conn, "SELECT url, health, last_error FROM analytics.feed_health")}
    assert health["moved.xml"][0] == "failing"
    assert health["moved.xml"][1].startswith("BlockedAddress")
    assert health["alpha.xml"][0] == "ok"  # the configured feed itself is trusted
    assert site.hits("/feeds/alpha.xml") == 1  # polled as itself, never through the redirect


def test_allowed_private_hosts_setting(monkeypatch):
    monkeypatch.setenv("NEWSMON_ALLOWED_PRIVATE_HOSTS", "127.0.0.1:8765, Intranet.Local:80 [::1]:9")
    assert Settings.from_env().allowed_private_hosts == (
        "127.0.0.1:8765", "intranet.local:80", "[::1]:9")
    monkeypatch.setenv("NEWSMON_ALLOWED_PRIVATE_HOSTS", "10.0.0.0/8")  # whole networks: no
    with pytest.raises(ValueError, match="host:port"):
        Settings.from_env()
