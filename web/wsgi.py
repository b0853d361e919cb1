"""WSGI entry point for gunicorn: ``gunicorn 'web.wsgi:app'``."""

from core.settings import Settings
from web import create_app

app = create_app(Settings.from_env())
