"""Settings for the check-in benchmark server: the app plus one bare floor view."""

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Serve static files straight from their sources (no collectstatic for a benchmark run).
WHITENOISE_USE_FINDERS = True
