"""Per-language routing: which tokenizer, NER model and vocabulary tables read a text.

:mod:`etl.tagging.lang.routing` maps the article's detected language (py3langid, stored in
``articles.language``) to what newsmon supports for it; :mod:`etl.tagging.lang.ner` loads the
entity model of a language lazily, only in a process that meets that language.
"""
