"""WSGI entry point for gunicorn: `gunicorn connector.wsgi:app`."""

from connector.app import create_app
from connector.logging import configure_logging
from connector.settings import Settings

settings = Settings.from_environment()
configure_logging(settings.log_level, settings.log_format, settings.secrets)
app = create_app(settings)
