"""A real S3-compatible server for the storage tests: moto's server mode on loopback,
started by `make test` (and so by .ci/run), which sets S3_TEST_ENDPOINT. Each test gets
its own bucket and the app's own S3 storage (config.env.media_storage) pointed at it.
Without S3_TEST_ENDPOINT the S3 tests skip, unless REQUIRE_S3=1 (CI), where they fail."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from config.env import env_bool, media_storage
from tests.certificates.conftest import held  # noqa: F401 - fixtures for these tests
from tests.reports.conftest import year  # noqa: F401

ENDPOINT = os.environ.get("S3_TEST_ENDPOINT", "")
CREDENTIALS = {"S3_ACCESS_KEY_ID": "tcm-test", "S3_SECRET_ACCESS_KEY": "tcm-test-secret"}
REGION = "us-east-1"


def _client():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
    )


def _wait_for_server(client) -> Exception | None:
    """`make test` starts the server beside pytest: give it a few seconds to listen."""
    from botocore.exceptions import BotoCoreError

    error: Exception | None = None
    for _attempt in range(60):
        try:
            client.list_buckets()
            return None
        except BotoCoreError as exc:
            error = exc
            time.sleep(0.25)
    return error


@pytest.fixture(scope="session")
def s3_client():
    if not ENDPOINT:
        if env_bool("REQUIRE_S3"):
            pytest.fail("S3_TEST_ENDPOINT is required (REQUIRE_S3=1): run the tests with make test")
        pytest.skip("no S3 server (S3_TEST_ENDPOINT); `make test` starts one")
    client = _client()
    error = _wait_for_server(client)
    if error is not None:
        if env_bool("REQUIRE_S3"):
            pytest.fail(f"no S3 server at {ENDPOINT} (REQUIRE_S3=1): {error}")
        pytest.skip(f"no S3 server at {ENDPOINT}: {error}")
    return client


@pytest.fixture
def s3(s3_client, settings):
    """The app's media storage on a new, private bucket of the test server; yields the
    bucket's name."""
    bucket = f"tcm-test-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=bucket)
    environ = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": ENDPOINT,
        "S3_REGION": REGION,
        **CREDENTIALS,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(environ, presign_seconds=settings.S3_PRESIGN_SECONDS),
    }
    yield bucket
    objects = s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])
    for entry in objects:
        s3_client.delete_object(Bucket=bucket, Key=entry["Key"])
    s3_client.delete_bucket(Bucket=bucket)


def bucket_objects(client, bucket: str) -> dict[str, bytes]:
    """Every object of the bucket, read straight from the server (not through Django)."""
    contents = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        entry["Key"]: client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
        for entry in contents
    }
