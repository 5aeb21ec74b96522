"""Tagging one text, pure (no database), in three rooms:

- :mod:`etl.tagging.core`: the tagger, phrase matcher, taxonomy, actors, NER and span rules;
- :mod:`etl.tagging.events`: the event classifier and event records;
- :mod:`etl.tagging.geo`: the place gazetteer and its context resolver.
"""
