"""Imported by the worker processes' fork server: loads the tagger once for all workers.

See :func:`etl.stages.process.preload`.
"""

from etl.stages.process import preload

preload()
