"""Running the pipeline: one pass (``pipeline``), the ``newsmon`` command, the Airflow tasks'
entry points, the offline demo and ``make airflow``.
"""
