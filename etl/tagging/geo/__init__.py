"""Places in a text: the cached gazetteer and the context resolver that picks one place per
name (focus country, qualifiers, regions; no place rather than a wrong one)."""
