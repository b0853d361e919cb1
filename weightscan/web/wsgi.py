"""WSGI entry point for gunicorn: ``gunicorn 'weightscan.web.wsgi:app'``."""

from weightscan.core.settings import Settings
from weightscan.web import create_app

app = create_app(Settings.from_env())
