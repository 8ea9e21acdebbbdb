"""Background work: the periodic jobs' registry, their run records, the scheduler and the worker.

Apps on any floor register a dated job with :func:`retain.jobs.registry.periodic`; ``retain
worker`` runs django-tasks-db's worker and the scheduler in one process, ``retain jobs`` lists the
jobs and runs one now.
"""
