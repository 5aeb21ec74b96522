#!/bin/bash
# PostgreSQL's first start (docker-entrypoint-initdb.d): the newsmon warehouse database and role,
# beside Airflow's metadata database (POSTGRES_DB). Runs once, on an empty data volume.
set -euo pipefail
: "${NEWSMON_DB_PASSWORD:?set NEWSMON_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v password="$NEWSMON_DB_PASSWORD" <<'SQL'
CREATE ROLE newsmon LOGIN PASSWORD :'password';
CREATE DATABASE newsmon OWNER newsmon;
SQL
