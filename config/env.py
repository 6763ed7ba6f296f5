"""Reading settings from the environment, failing loudly on a value that means nothing.

Its own module because two programs read the same variables: Django's settings
(`config/settings.py`) and gunicorn's (`gunicorn.conf.py`, which should not run the whole
settings module in gunicorn's master process just to read one flag).
"""

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def redis_database(url: str) -> int:
    """The database number a Redis URL selects: `redis://host:6379/2` or `…?db=2`; none
    given is database 0."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    if parts.scheme in {"redis", "rediss"} and path:
        if not path.isdigit():
            raise ImproperlyConfigured(f"{url!r} must end in a database number, like /0")
        return int(path)
    db = parse_qs(parts.query).get("db", ["0"])[-1]
    if not db.isdigit():
        raise ImproperlyConfigured(f"{url!r} has a database (db=) that is not a number")
    return int(db)


def redis_url_with_database(url: str, database: int) -> str:
    """The same Redis server (and password, and options) with another database number."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "db"]
    if parts.scheme in {"redis", "rediss"}:
        return urlunsplit(parts._replace(path=f"/{database}", query=urlencode(query)))
    # unix:///run/redis.sock?db=0: the path is the socket, the database a parameter.
    query.append(("db", str(database)))
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def same_redis_database(a: str, b: str) -> bool:
    """Whether two Redis URLs name one database of one server (`…:6379` and `…:6379/0`
    do)."""
    return redis_url_with_database(a, redis_database(a)) == redis_url_with_database(
        b, redis_database(b)
    )


def media_storage(environ: Mapping[str, str], *, presign_seconds: int) -> dict:
    """STORAGES["default"] from MEDIA_STORAGE (filesystem or s3) and the S3_* variables.
    A function of the environment so that the tests build the same S3 storage against
    their own server."""
    kind = environ.get("MEDIA_STORAGE") or "filesystem"
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, got {kind!r}")
    if not environ.get("S3_BUCKET"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET (see .env.example).")
    endpoint = environ.get("S3_ENDPOINT_URL") or None
    return {
        "BACKEND": "core.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": environ["S3_BUCKET"],
            "location": environ.get("S3_PREFIX", "").strip("/"),
            "endpoint_url": endpoint,
            "region_name": environ.get("S3_REGION") or None,
            # Empty: boto3 finds credentials itself (an instance role, ~/.aws).
            "access_key": environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("S3_SECRET_ACCESS_KEY") or None,
            # MinIO and most servers of one's own want path-style addresses.
            "addressing_style": environ.get("S3_ADDRESSING_STYLE")
            or ("path" if endpoint else None),
            "signature_version": "s3v4",
            # Never public-read: objects take the bucket's (private) access rules.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": presign_seconds,
            # As on disk: a second upload of "so-tay.pdf" gets another name.
            "file_overwrite": False,
        },
    }
