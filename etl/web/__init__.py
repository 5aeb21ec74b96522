"""The web side: the HTTP client (timeouts, caps, conditional GET, private-network guard),
canonical URLs, the per-host thread pool and a small static HTTP server (demo site, tests).
"""
