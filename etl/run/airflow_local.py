"""``make airflow``: Airflow 3 on this machine with the newsmon DAGs, one command.

It starts the embedded PostgreSQL (the warehouse, unless ``NEWSMON_DATABASE_URL`` or
``AIRFLOW_CONN_NEWSMON_DB`` names one), serves the bundled demo news site with its feed list
(unless ``--feeds`` or ``NEWSMON_FEEDS_FILE`` gives a real one), then runs what ``airflow
standalone`` runs (API server and UI, scheduler, DAG processor, triggerer; SQLite metadata under
``$NEWSMON_HOME/airflow``), started here so that they listen where we say: the API server on
``--host`` (default 127.0.0.1, or ``AIRFLOW__API__HOST``), and, on a loopback host, no log
servers at all (the API server reads the task logs from the local files; Airflow's log servers
would listen on every interface, ports 8793 and 8794).

Exactly one first run: the DAGs are created paused, and only once the API server (which tasks
report to through its Execution API) answers steadily are they unpaused. Unpausing makes the
scheduler create a run of the latest schedule slot when that slot is already due (Airflow's
cron timetable does so when the slot is recent); the launcher then names that run as the first
one, and triggers one itself only when the scheduler will not (the next slot is later). Two
first runs racing, one loading the demo and the other nothing, was issue 21. On a loaded 2-core
machine a task started earlier failed on Execution API read timeouts; the Execution API timeout
is raised too (``AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT``, 30 s). It then prints the UI
address and the login, waits for the first run and prints its report, and stays in the
foreground. Ctrl-C (SIGINT, or SIGTERM) stops every process it started: Airflow's (in a process
group of their own), the demo site and the embedded PostgreSQL, if it started it.

    python -m etl.run.airflow_local [--port 8080] [--host 127.0.0.1] [--feeds FILE] [--no-trigger]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess  # noqa: S404 - starts the airflow command of this environment
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from etl.settings import DEFAULT_FEEDS_FILE, PACKAGE_DIR, Settings
from etl.store import db

DAGS_DIR = PACKAGE_DIR.parent / "dags"
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"
DAG_IDS = ("newsmon_ingest", "newsmon_maintenance")
API_TIMEOUT_S = 30
USERNAME = "admin"
LOCAL_HOST = "127.0.0.1"
# the API server first: the others report to it
COMPONENTS = (("api-server",), ("scheduler",), ("dag-processor",), ("triggerer",))
FIRST_RUN_WAIT_S = 90  # a slot due now becomes a run within a few scheduler loops


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def component_commands(airflow: str, host: str) -> list[list[str]]:
    """The commands ``airflow standalone`` would run; on a loopback host without the log
    servers, which listen on every interface (their host is not configurable in Airflow 3.3)
    and are not needed when the API server reads the task logs from the local disk."""
    commands = []
    for (name,) in COMPONENTS:
        command = [airflow, name]
        if name in ("scheduler", "triggerer") and is_loopback(host):
            command.append("--skip-serve-logs")
        commands.append(command)
    return commands


def airflow_environment(airflow_home: Path, port: int, dags_dir: Path = DAGS_DIR,
                        host: str = LOCAL_HOST) -> dict:
    """Environment for Airflow's components (on top of the current one)."""
    base_url = f"http://{'localhost' if is_loopback(host) else socket.getfqdn()}:{port}"
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_dir),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # paused until the API server is up (see main); then unpaused through the API
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            # the default 5 s is too short for an API server on a busy 2-core machine
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": env.get(
                "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT", "30"),
            # a 2-core machine: 32 parallel task processes would take > 1 GB for nothing
            "AIRFLOW__CORE__PARALLELISM": env.get("AIRFLOW__CORE__PARALLELISM", "4"),
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": host,
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USERNAME}:admin",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
            # tasks and components start the `airflow` of PATH
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    return env


class Api:
    """The few calls of Airflow's REST API (``/api/v2``) that the launcher and tests need."""

    def __init__(self, base_url: str, username: str | None = None, password: str | None = None):
        self.base_url = base_url.rstrip("/")
        # an API server on a busy 2-core machine was seen to take more than 10 s to answer
        self.client = httpx.Client(base_url=self.base_url, timeout=API_TIMEOUT_S)
        self.username, self.password = username, password

    def request(self, method: str, path: str, attempts: int = 4, *, idempotent: bool = True,
                **kwargs) -> httpx.Response:
        """One API call, retried on a 5xx answer and, if ``idempotent``, on a timeout or a
        dropped connection (a call that may have taken effect is not made twice).

        A freshly started standalone (SQLite metadata database, scheduler and DAG processor
        writing to it, a busy 2-core machine) was seen to answer a call with a 500 or not in
        time; a moment later the same call works. The last answer is returned as it is.
        """
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.TransportError:
                if last or not idempotent:
                    raise
            else:
                if response.status_code < 500 or last:
                    return response
            time.sleep(2.0)
        raise AssertionError("unreachable")

    def health(self) -> dict | None:
        try:
            response = self.client.get("/api/v2/monitor/health")
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def healthy(self) -> bool:
        health = self.health() or {}
        return all(
            (health.get(part) or {}).get("status") == "healthy"
            for part in ("metadatabase", "scheduler", "dag_processor")
        )

    def execution_api_up(self) -> bool:
        """Whether the Execution API (what running tasks call) answers."""
        try:
            return self.client.get("/execution/health").status_code == 200
        except httpx.HTTPError:
            return False

    def ready(self, checks: int = 3, interval: float = 1.0) -> bool:
        """Healthy, Execution API included, ``checks`` times in a row: steadily up."""
        for i in range(checks):
            if i:
                time.sleep(interval)
            if not (self.healthy() and self.execution_api_up()):
                return False
        return True

    def _json(self, method: str, path: str, **kwargs):
        response = self.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def set_paused(self, dag_id: str, paused: bool) -> dict:
        return self._json("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": paused})

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self._json(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]

    def login(self) -> None:
        token = self._json("POST", "/auth/token",
                           json={"username": self.username, "password": self.password})
        self.client.headers["Authorization"] = f"Bearer {token['access_token']}"

    def trigger(self, dag_id: str, conf: dict | None = None) -> dict:
        return self._json("POST", f"/api/v2/dags/{dag_id}/dagRuns", idempotent=False,
                          json={"logical_date": None, "conf": conf or {}})

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        return self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def runs(self, dag_id: str) -> list[dict]:
        return self._json("GET", f"/api/v2/dags/{dag_id}/dagRuns")["dag_runs"]

    def returned(self, dag_id: str, run_id: str, task_id: str):
        """What ``task_id`` returned in the run (its ``return_value`` XCom), or None."""
        response = self.request(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/"
            "xcomEntries/return_value")
        return response.json().get("value") if response.status_code == 200 else None

    def dag(self, dag_id: str) -> dict | None:
        response = self.request("GET", f"/api/v2/dags/{dag_id}")
        return response.json() if response.status_code == 200 else None


def read_password(airflow_home: Path, username: str = USERNAME) -> str | None:
    try:
        return json.loads((airflow_home / PASSWORDS_FILE).read_text()).get(username)
    except (OSError, ValueError):
        return None


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"airflow standalone exited ({proc.returncode}) before {what}")
        time.sleep(1)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def stop_group(proc: subprocess.Popen, grace: float = 30,
               members: Sequence[subprocess.Popen] = ()) -> None:
    """Stop ``proc`` and everything in its process group: SIGTERM, then SIGKILL after
    ``grace`` seconds. ``members``, the group's other processes started here, are waited for
    too: a component still shutting down is not cut short, and none is left a zombie."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    for member in (proc, *members):
        try:
            member.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            break
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # what outlived the grace period
    except ProcessLookupError:
        pass
    for member in (proc, *members):
        member.wait()


def _serve_demo(stack: ExitStack, settings: Settings) -> tuple[Path, str]:
    """Serve the demo site; return its rendered feed list and its ``host:port``."""
    from etl.run.demo import DEMO_SITE, render_feed_list
    from etl.settings import demo_port
    from etl.web.site import Site

    port = demo_port()
    site = stack.enter_context(Site(DEMO_SITE, port=port))
    # a client closing a keep-alive connection is not worth a traceback on the console
    site._server.handle_error = lambda request, client_address: None
    print(f"Serving the demo news site at {site.base_url}/", flush=True)
    return render_feed_list(site.base_url, settings.home), f"127.0.0.1:{site.port}"


def use_feed_list(stack: ExitStack, settings: Settings, env: dict, feeds: str | None) -> None:
    """Set ``NEWSMON_FEEDS_FILE`` in ``env``: ``feeds``, else the demo site's, served here.

    For the demo, the private-network guard lets the demo site (on loopback) through and
    nothing else: lifting it for the whole Airflow process (``NEWSMON_ALLOW_PRIVATE_NETWORKS``)
    would leave a later run with a real ``feeds_file`` unguarded.
    """
    if not feeds:
        demo_feeds, demo_host = _serve_demo(stack, settings)
        feeds = str(demo_feeds)
        current = env.get("NEWSMON_ALLOWED_PRIVATE_HOSTS", "").strip()
        env["NEWSMON_ALLOWED_PRIVATE_HOSTS"] = f"{current},{demo_host}" if current else demo_host
    env["NEWSMON_FEEDS_FILE"] = str(Path(feeds).resolve())


def start_embedded_warehouse(stack: ExitStack, settings: Settings) -> str:
    """Start the embedded PostgreSQL; stop it on exit if it was not running before."""
    from etl.store.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(settings.home)
    was_running = (server.pgdata / "postmaster.pid").exists()
    url = db.database_url(settings)
    if not was_running:
        stack.callback(_stop_warehouse, server)
    return url


def _stop_warehouse(server) -> None:
    try:
        if server.stop():
            print("Stopped the embedded PostgreSQL.", flush=True)
    except Exception as exc:  # noqa: BLE001 - stopping the rest matters more
        print(f"warning: could not stop the embedded PostgreSQL: {exc}", file=sys.stderr)


def start_airflow(airflow_home: Path, env: dict, host: str, log) -> list[subprocess.Popen]:
    """Migrate the metadata database, then start Airflow's components in one new process
    group; returns them, the group's leader (whose pid is the group's id) first."""
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, stdout=log,  # noqa: S603
                   stderr=subprocess.STDOUT, check=True, start_new_session=True)
    procs: list[subprocess.Popen] = []
    for command in component_commands(airflow, host):
        procs.append(subprocess.Popen(  # noqa: S603 - our own venv's airflow
            command, env=env, stdout=log, stderr=subprocess.STDOUT,
            process_group=procs[0].pid if procs else 0))
    (airflow_home / "standalone.pid").write_text(str(procs[0].pid))
    return procs


def first_run(api: Api, dag_id: str = "newsmon_ingest") -> tuple[dict, str]:
    """Unpause ``dag_id`` and return its first run and how it came: the scheduler's run of a
    slot already due (created on unpause), else one triggered here. Never both."""
    dag = api.dag(dag_id) or {}
    run_after = dag.get("next_dagrun_run_after")
    due = False
    if run_after:
        due_at = datetime.fromisoformat(run_after.replace("Z", "+00:00"))
        # a slot due within the wait below is the scheduler's to run: do not race it
        due = due_at <= datetime.now(UTC) + timedelta(seconds=FIRST_RUN_WAIT_S / 3)
    if not due:
        run = api.trigger(dag_id)  # queued while paused: it starts on the unpause
        api.set_paused(dag_id, False)
        return run, "triggered"
    api.set_paused(dag_id, False)
    runs = wait_for(lambda: api.runs(dag_id), FIRST_RUN_WAIT_S, f"the first {dag_id} run")
    # a slot that passed since the DAG was parsed may be queued behind it: the earliest first
    return sorted(runs, key=lambda r: r.get("run_after") or r.get("logical_date") or "")[0], \
        "scheduled"


def describe_report(report: dict | None) -> str:
    """One line from the ``report`` task's totals."""
    if not report:
        return "no report"
    new = report.get("new_articles", 0)
    extracted = report.get("process_extracted", 0)
    tagged = report.get("process_tagged", 0)
    line = (f"{new} new articles, {extracted} extracted, {tagged} tagged; warehouse: "
            f"{report.get('articles_extracted', 0)} articles extracted in all")
    if not new and report.get("articles_extracted"):
        line += " (nothing new: the feeds were polled before and are not due yet)"
    return line


def watch_first_run(api: Api, proc: subprocess.Popen, run_id: str,
                    dag_id: str = "newsmon_ingest") -> None:
    """Print the first run's outcome and its report when it ends (Airflow going on)."""
    while proc.poll() is None:
        try:
            state = api.dag_run(dag_id, run_id)["state"]
        except httpx.HTTPError:
            state = None
        if state in ("success", "failed"):
            report = api.returned(dag_id, run_id, "report") if state == "success" else None
            print(f"First run {run_id}: {state}; {describe_report(report)}", flush=True)
            return
        time.sleep(3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.run.airflow_local", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW_PORT", 8080)))
    parser.add_argument("--host", default=os.environ.get("AIRFLOW__API__HOST") or LOCAL_HOST,
                        help="address the UI and API listen on (default 127.0.0.1: this "
                             "machine only; 0.0.0.0 for every interface)")
    parser.add_argument("--feeds", help="feed list (default: NEWSMON_FEEDS_FILE, else the demo)")
    parser.add_argument("--no-trigger", action="store_true",
                        help="no first run: unpause the DAGs only")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for health")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    airflow_home = Path(os.environ.get("AIRFLOW_HOME") or settings.home / "airflow")
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = airflow_environment(airflow_home, args.port, host=args.host)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    # also when started with SIGINT ignored (a background job of a script): Ctrl-C must stop it
    signal.signal(signal.SIGINT, on_signal)
    log_path = airflow_home / "standalone.log"
    try:
        with ExitStack() as stack:  # unwinds in reverse: Airflow, the demo site, PostgreSQL
            if not (settings.database_url or os.environ.get("AIRFLOW_CONN_NEWSMON_DB")):
                # started once here, so that parallel tasks never race to start it
                env["NEWSMON_DATABASE_URL"] = start_embedded_warehouse(stack, settings)
                print(f"Warehouse: embedded PostgreSQL under {settings.home}", flush=True)
            feeds = args.feeds or (
                str(settings.feeds_file) if settings.feeds_file != DEFAULT_FEEDS_FILE else None)
            use_feed_list(stack, settings, env, feeds)
            print(f"Feed list: {env['NEWSMON_FEEDS_FILE']}", flush=True)
            log = stack.enter_context(open(log_path, "ab"))  # noqa: SIM115 - closed by the stack
            started = time.monotonic()
            print(f"Starting Airflow (log: {log_path}) ...", flush=True)
            proc, *members = start_airflow(airflow_home, env, args.host, log)
            stack.callback(stop_group, proc, members=members)
            return _serve(api_for(args.port), proc, airflow_home, args, started, log_path)
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
        return 0
    except (RuntimeError, TimeoutError, httpx.HTTPError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}; see {log_path}", file=sys.stderr)
        return 1


def api_for(port: int) -> Api:
    return Api(f"http://localhost:{port}", USERNAME)


def _serve(api: Api, proc: subprocess.Popen, airflow_home: Path, args, started: float,
           log_path: Path) -> int:
    """Wait for Airflow, start the first run, then stay until Airflow exits or Ctrl-C."""
    try:
        wait_for(api.ready, args.timeout, "Airflow to be healthy", proc)
        api.password = wait_for(lambda: read_password(airflow_home), 30, "the password")
        api.login()
        for dag_id in DAG_IDS:
            wait_for(lambda d=dag_id: api.dag(d), 120, f"{dag_id} to be parsed", proc)
        run = None
        if not args.no_trigger and not api.runs("newsmon_ingest"):
            run, how = first_run(api)
            print(f"First run ({how}): {run['dag_run_id']}", flush=True)
        for dag_id in DAG_IDS:
            api.set_paused(dag_id, False)
        print(
            f"\nAirflow is up after {time.monotonic() - started:.0f}s:\n"
            f"  UI     http://localhost:{args.port}/\n"
            f"  login  {USERNAME} / {api.password}\n"
            f"  DAGs   newsmon_ingest (every 15 minutes), newsmon_maintenance (daily)\n",
            flush=True,
        )
        print("Press Ctrl-C to stop Airflow.", flush=True)
        if run is not None:
            print("newsmon_ingest is running: open the UI to watch it.", flush=True)
            watch_first_run(api, proc, run["dag_run_id"])
        proc.wait()
        print(f"Airflow exited ({proc.returncode}); see {log_path}")
        return proc.returncode or 1
    except KeyboardInterrupt:
        print("\nStopping Airflow ...", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
