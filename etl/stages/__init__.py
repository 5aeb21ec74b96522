"""The pipeline's stages, in the order an article meets them: feed list, poll (discover),
fetch, extract and tag (worker processes), store tags, cluster stories; plus daily maintenance.
"""
