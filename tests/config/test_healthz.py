"""/healthz: what a load balancer polls to decide whether this server gets traffic."""

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthz_answers_anonymously_after_asking_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert queries.captured_queries[0]["sql"] == "SELECT 1"
    # No session or CSRF cookie: polling every few seconds must not create sessions.
    assert not response.cookies


def test_healthz_fails_when_the_database_is_unreachable(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == 500
