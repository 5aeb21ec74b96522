"""Smoke test: the real Airflow (``make airflow``'s launcher), a run triggered via ``/api/v2``.

Starts ``python -m etl.run.airflow_local`` (``airflow standalone``: API server, scheduler, DAG
processor, triggerer) in temporary homes, triggers ``newsmon_ingest`` through the REST API,
waits for the run to succeed and checks the rows it loaded; then stops the launcher and checks
that no process of Airflow's process group is left.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl.run.airflow_local import Api, read_password, wait_for

pytestmark = pytest.mark.airflow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


# the launcher's unpause makes the scheduler run the due slot first (max_active_runs=1): this
# test's run waits for it; on a loaded 2-core machine the two took more than 300 s
@pytest.mark.timeout(480)
def test_standalone_runs_ingest_triggered_through_the_api(newsmon_env, site, query, tmp_path):
    port = free_port()
    airflow_home = tmp_path / "airflow"
    env = dict(os.environ, AIRFLOW_HOME=str(airflow_home))
    for name in list(env):  # the launcher configures its own Airflow, not the test session's
        if name.startswith("AIRFLOW__"):
            del env[name]
    started = time.monotonic()
    launcher = subprocess.Popen(
        [sys.executable, "-m", "etl.run.airflow_local", "--port", str(port), "--no-trigger"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        cwd=tmp_path,
    )
    airflow_pgid = None
    try:
        api = Api(f"http://localhost:{port}", "admin")
        wait_for(api.healthy, 150, "Airflow to be healthy", launcher)
        airflow_pgid = int((airflow_home / "standalone.pid").read_text())
        api.password = wait_for(lambda: read_password(airflow_home), 30, "the password")
        print(f"healthy after {time.monotonic() - started:.1f}s")
        api.login()
        # the launcher unpauses the DAGs once the API server is up, never before
        wait_for(lambda: api.dag("newsmon_maintenance"), 60, "the DAGs")
        dag = wait_for(lambda: (d := api.dag("newsmon_ingest")) and not d["is_paused"] and d,
                       60, "the DAG to be unpaused", launcher)
        assert dag["is_paused"] is False
        run_id = api.trigger("newsmon_ingest")["dag_run_id"]
        triggered = time.monotonic()
        state = wait_for(
            lambda: api.dag_run("newsmon_ingest", run_id)["state"] in ("success", "failed")
            and api.dag_run("newsmon_ingest", run_id)["state"],
            330, "the run to finish", launcher,
        )
        print(f"run finished ({state}) {time.monotonic() - triggered:.1f}s after the trigger, "
              f"{time.monotonic() - started:.1f}s after the start")
        assert state == "success"
        # every task that ran succeeded on its first try (no Execution API timeouts at
        # start-up); a mapped task's unexpanded entry (map index -1) never runs: try 0
        tries = {(t["task_id"], t["map_index"]): t["try_number"]
                 for t in api.task_instances("newsmon_ingest", run_id)}
        assert tries and max(tries.values()) == 1, tries
        assert query("SELECT count(*) FROM articles WHERE status = 'extracted'") == [(3,)]
    finally:
        launcher.send_signal(signal.SIGTERM)  # what Ctrl-C / `kill` does to `make airflow`
        try:
            output = launcher.communicate(timeout=60)[0].decode()
        finally:
            pid_file = airflow_home / "standalone.pid"
            if airflow_pgid is None and pid_file.exists():
                airflow_pgid = int(pid_file.read_text())
            for pgid in (launcher.pid, airflow_pgid):
                if pgid and group_alive(pgid):
                    os.killpg(pgid, signal.SIGKILL)
    print(output)
    assert f"UI     http://localhost:{port}/" in output
    assert f"login  admin / {read_password(airflow_home)}" in output
    assert airflow_pgid is not None
    deadline = time.monotonic() + 10
    while group_alive(airflow_pgid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not group_alive(airflow_pgid), "processes of airflow standalone were left running"
    assert Path(airflow_home / "standalone.log").stat().st_size > 0
