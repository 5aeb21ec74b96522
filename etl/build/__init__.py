"""Builders and trainers: derived data and learned weights made from sources (the place
gazetteer, the ACLED place supplement, the event model). Not imported on the tagging path
except to build the gazetteer cache once when it is missing."""
