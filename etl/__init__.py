"""newsmon: a self-hosted conflict-news monitoring pipeline.

Subpackages by concern (docs/architecture.md shows the flow of an article):

- ``etl.settings`` every ``NEWSMON_*`` setting; ``etl.errors`` the error hierarchy
- ``etl.store``    PostgreSQL, the migrator and the work queue (claims and leases)
- ``etl.web``      the HTTP client, canonical URLs, the per-host pool, a static server
- ``etl.stages``   feed list, poll, fetch, extract-and-tag workers, stories, maintenance
- ``etl.tagging``  tagging one text (pure, no database)
- ``etl.run``      one pass, the ``newsmon`` command, the Airflow tasks, the demo
- ``etl.outputs``  charts and the HTML report
- ``etl.evaluation`` ``newsmon eval``
"""

__version__ = "0.1.0"
