"""A NUL byte in a URL's path or query is a page that does not exist (404), for every
route: PostgreSQL refuses strings holding NUL ("A string literal cannot contain NUL"), so
letting one reach a query was a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/classes/%00/",
        "/classes/L%001/nominations/",
        "/classes/%00/certificates/",
        "/reports/classes/%00/",
        "/people/?q=%00",
        "/reports/?year=%00",
    ],
)
def test_nul_in_a_staff_url_is_not_found(client, world, url):
    client.force_login(world.coordinator)
    response = client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("url", ["/verify/%00/", "/verify/?code=%00", "/verify/abc%00def/"])
def test_nul_in_the_public_verify_page_is_not_found(client, db, url):
    response = client.get(url)
    assert response.status_code == 404


def test_a_session_cookie_holding_nul_is_ignored(client, db):
    """`"\\000"` in a quoted cookie value is unquoted to NUL; the session is never looked up
    with it (on PostgreSQL that was a 500 on every page, the login page included)."""
    cookie = 'sessionid="abc\\000defghijk"; django_language=vi'
    assert client.get("/login/", HTTP_COOKIE=cookie).status_code == 200
    assert client.get("/verify/", HTTP_COOKIE=cookie).status_code == 200
