"""What the web app and the workers share: settings, database, blob store, scan pipeline.

Never imports Flask or Celery.
"""
