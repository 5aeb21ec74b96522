"""newsmon: a self-hosted conflict-news monitoring pipeline.

Feeds are polled with our own HTTP client, new articles are fetched, extracted with
trafilatura and loaded into PostgreSQL. The modules are flat and each has one concern:

- ``settings``  environment settings (``NEWSMON_*``)
- ``errors``    the error hierarchy (temporary vs permanent)
- ``http``      the HTTP client (timeouts, caps, conditional GET)
- ``feedlist``  reading feed lists (YAML, OPML)
- ``urls``      canonical article URLs
- ``db``        connections; ``embedded`` the embedded PostgreSQL; ``migrate`` the migrator
- ``poll``      polling feeds and discovering articles
- ``fetch``     fetching article pages
- ``extract``   text and metadata extraction
- ``pipeline``  one full pass; ``cli`` the ``newsmon`` command; ``demo`` the offline demo
- ``site``      a small static HTTP server (demo site, tests, benchmarks)
- ``tasks``     the Airflow DAGs' entry points (``dags/``); ``maintenance`` the daily upkeep;
  ``airflow_local`` ``make airflow`` (Airflow standalone with the DAGs)
"""

__version__ = "0.1.0"
