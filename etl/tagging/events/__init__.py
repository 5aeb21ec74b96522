"""Events in a text: the event-type classifier, and the event records (type, actors, place,
date, fatalities) built from the text's evidence."""
