"""Imported by the worker processes' fork server: loads the tagger once for all workers.

See :func:`etl.process.preload`.
"""

from etl.process import preload

preload()
