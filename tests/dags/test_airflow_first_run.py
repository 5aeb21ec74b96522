"""``make airflow`` on a fresh HOME, as a new user runs it (issue 21).

The launcher (``python -m etl.run.airflow_local``, no option) starts the embedded PostgreSQL,
the demo site and Airflow; exactly one first ``newsmon_ingest`` run, the one it names, loads
the demo (its MANIFEST's articles, all extracted and tagged) and the launcher prints its
report. Every server it started listens on 127.0.0.1 only. Ctrl-C (SIGINT to its process
group, as a terminal sends it) stops everything it started: Airflow's processes and the
embedded PostgreSQL.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from etl.run.airflow_local import Api, read_password, wait_for
from etl.run.demo import DEMO_SITE
from tests.dags.test_airflow_smoke import free_port


def group_pids(pgid: int) -> list[int]:
    pids = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(proc.pid) == pgid:
                pids.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return pids


def running_in(pgid: int) -> list[int]:
    """The processes of group ``pgid`` still running: a zombie (killed, its parent gone, not
    yet reaped by this machine's init) runs nothing and holds nothing."""
    running = []
    for pid in group_pids(pgid):
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.append(pid)
        except psutil.Error:
            continue
    return running


def listening(pids: list[int]) -> set[tuple[str, int]]:
    """(address, port) of the TCP sockets these processes listen on."""
    found = set()
    for pid in pids:
        try:
            for c in psutil.Process(pid).net_connections(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    found.add((c.laddr.ip, c.laddr.port))
        except psutil.Error:
            continue
    return found


@pytest.mark.timeout(720)
def test_make_airflow_on_a_fresh_home(tmp_path):
    home = tmp_path / "home"
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIRFLOW__", "NEWSMON_", "AIRFLOW_CONN_"))}
    env.update(NEWSMON_HOME=str(home), NEWSMON_DEMO_PORT=str(free_port()),
               NEWSMON_CACHE_DIR=os.environ.get("NEWSMON_CACHE_DIR", "")
               or str(Path.home() / ".cache" / "newsmon"),
               AIRFLOW_HOME=str(home / "airflow"), PYTHONUNBUFFERED="1")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "etl.run.airflow_local", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True, cwd=tmp_path,  # its own group, as a terminal's foreground job
        # SIGINT ignored, as in a script's background job: the launcher must still stop on it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(launcher.stdout), daemon=True)
    reader.start()
    airflow_pgid = None
    try:
        def finished() -> str | None:
            return next((x for x in lines if x.startswith("First run ") and ": " in x
                         and ";" in x), None)

        outcome = wait_for(finished, 600, "the first run's report", launcher)
        named = re.search(r"^First run \((scheduled|triggered)\): (\S+)$", "".join(lines), re.M)
        assert named, lines
        run_id = named.group(2)
        assert outcome.startswith(f"First run {run_id}: success;"), outcome
        counts = json.loads((DEMO_SITE / "MANIFEST.json").read_text())["counts"]
        new, extracted = counts["distinct_urls"], counts["articles"]
        assert f"{new} new articles, {extracted} extracted, {extracted} tagged" in outcome

        api = Api(f"http://localhost:{port}", "admin", read_password(home / "airflow"))
        api.login()
        runs = sorted(api.runs("newsmon_ingest"),
                      key=lambda r: r.get("run_after") or r.get("logical_date") or "")
        assert runs[0]["dag_run_id"] == run_id  # the one it named is the first run
        report = api.returned("newsmon_ingest", run_id, "report")
        assert (report["new_articles"], report["process_extracted"],
                report["process_tagged"]) == (new, extracted, extracted)

        airflow_pgid = int((home / "airflow" / "standalone.pid").read_text())
        sockets = listening(group_pids(airflow_pgid) + group_pids(launcher.pid))
        assert ("127.0.0.1", port) in sockets
        assert all(ip in ("127.0.0.1", "::1") for ip, _ in sockets), sockets
        pid_file = next(home.glob("pgdata*/postmaster.pid"))
        postgres = int(pid_file.read_text().split()[0])
        assert psutil.pid_exists(postgres)
    finally:
        print("".join(lines))  # the launcher's own account, shown when the test fails
        with contextlib.suppress(ProcessLookupError):  # it may have exited on its own
            os.killpg(launcher.pid, signal.SIGINT)  # Ctrl-C
        try:
            launcher.wait(90)
        finally:
            reader.join(5)
            pid_file = home / "airflow" / "standalone.pid"
            if airflow_pgid is None and pid_file.exists():
                airflow_pgid = int(pid_file.read_text())
            left = [g for g in (launcher.pid, airflow_pgid) if g and running_in(g)]
            for pgid in left:
                os.killpg(pgid, signal.SIGKILL)
    assert not left, "processes of the launcher or of Airflow were left running"
    deadline = time.monotonic() + 10
    while psutil.pid_exists(postgres) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not psutil.pid_exists(postgres), "the embedded PostgreSQL was left running"
    assert "Stopped the embedded PostgreSQL." in "".join(lines)
