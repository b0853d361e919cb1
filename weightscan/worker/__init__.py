"""Celery workers: the app built from Settings (``celery_app``) and thin tasks (``tasks``).

Never imports Flask. Entry point for ``celery -A``: ``weightscan.worker.entrypoint:app``.
"""
