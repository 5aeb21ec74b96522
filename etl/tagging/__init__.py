"""Tagging one text: phrase matcher, taxonomy, actors, places, the spaCy model, entity span
rules, the event classifier and the tagger that puts them together. Pure: no database.
"""
