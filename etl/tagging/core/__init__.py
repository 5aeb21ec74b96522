"""The tagger and what every language-independent tag needs: phrase matching, the keyword
taxonomy, the actor gazetteer, the spaCy model and the entity span rules."""
