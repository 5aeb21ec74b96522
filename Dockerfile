# newsmon on the official Airflow image: the same package and constraints as `make test`.
# Built by docker-compose.yml; by hand: docker build -t newsmon-airflow .
FROM apache/airflow:3.3.2-python3.11

# What the wheel needs (pyproject.toml names README.md; sql/ is packed into etl/sql).
COPY --chown=airflow:0 pyproject.toml README.md constraints.txt /opt/newsmon/
COPY --chown=airflow:0 etl /opt/newsmon/etl
COPY --chown=airflow:0 sql /opt/newsmon/sql
# The constraints pin apache-airflow to this image's version, so pip keeps Airflow as it is.
RUN pip install --no-cache-dir -c /opt/newsmon/constraints.txt /opt/newsmon \
    && mkdir -p /opt/airflow/secrets

COPY --chown=airflow:0 dags /opt/airflow/dags
