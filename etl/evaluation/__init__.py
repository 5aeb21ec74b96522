"""``newsmon eval``: the tagger's scores on the labelled corpus against baselines.
"""
