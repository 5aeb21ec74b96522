"""DAG tests: Airflow is configured for them in conftest.py (a package, so that its conftest
does not shadow tests/conftest.py for ``from conftest import ...``)."""
