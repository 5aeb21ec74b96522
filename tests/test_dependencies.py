"""Every third-party package that etl/, dags/ or bench/ imports directly is declared in
pyproject.toml (issue 19): a package that only arrives through another one can disappear with
that one's next release."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

from conftest import ROOT

SOURCES = ("etl", "dags", "bench")
# our own top-level modules (the DAGs' helper module sits on the DAGs folder's path)
OWN = {"etl", "dags", "bench", "newsmon_config"}


def _imported_modules() -> dict[str, set[str]]:
    """Top-level module name -> the files that import it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(
                        path.relative_to(ROOT).as_posix())
    return found


def _declared() -> set[str]:
    """Normalised names of every distribution pyproject.toml declares (extras included)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    names = {re.match(r"[A-Za-z0-9._-]+", r.strip()).group() for r in requirements}
    return {_normalise(n) for n in names}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_directly_imported_package_is_declared():
    distributions = importlib.metadata.packages_distributions()
    undeclared = {}
    for module, files in sorted(_imported_modules().items()):
        if module in OWN or module in sys.stdlib_module_names:
            continue
        dists = distributions.get(module)
        assert dists, f"{module} (imported by {sorted(files)}) is not installed"
        if not {_normalise(d) for d in dists} & _declared():
            undeclared[module] = (dists, sorted(files))
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_check_sees_imports_and_the_declarations():
    modules = _imported_modules()
    assert {"feedparser", "trafilatura", "psycopg2", "airflow"} <= set(modules)
    assert {"feedparser", "trafilatura", "psycopg2-binary", "apache-airflow"} <= _declared()
