"""``celery -A weightscan.worker.entrypoint:app worker`` -- the one place that reads the environment
for a standalone Celery command line (``weightscan worker`` does the same)."""

from weightscan.core.settings import Settings
from weightscan.worker.celery_app import make_celery

app = make_celery(Settings.from_env())
