"""The benchmark's settings with static files as production serves them: hashed names
from `collectstatic` (into STATIC_ROOT) and whitenoise's pre-compressed .gz/.br copies."""

from bench.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "config.staticfiles.ReleaseStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
