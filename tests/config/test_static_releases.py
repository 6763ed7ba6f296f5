"""Rolling upgrades: two releases collected into one STATIC_ROOT, and a server started
with the first still serves every hashed file of both (config/staticfiles.py)."""

import json

import pytest
from django.core.management import call_command
from django.http import HttpResponseNotFound
from django.test import RequestFactory

from config.staticfiles import StaticFilesMiddleware


@pytest.fixture
def release(tmp_path, settings):
    source = tmp_path / "source"
    (source / "css").mkdir(parents=True)
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "config.staticfiles.ReleaseStaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = False  # production: the index is made at start-up
    settings.WHITENOISE_USE_FINDERS = False

    def collect(files: dict[str, str]) -> dict[str, str]:
        for old in (source / "css").iterdir():
            old.unlink()
        for name, text in files.items():
            (source / name).write_text(text)
        call_command("collectstatic", interactive=False, verbosity=0)  # never --clear
        return json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())["paths"]

    return collect


def _get(middleware, name):
    response = middleware(RequestFactory().get(f"/static/{name}"))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response.status_code, body.decode()


def test_a_server_of_the_old_release_serves_both_releases_files(release, settings):
    first = release({"css/app.css": ".a { color: red }", "css/gone.css": ".g {}"})
    old_server = StaticFilesMiddleware(lambda request: HttpResponseNotFound())

    second = release({"css/app.css": ".a { color: blue }"})
    new_server = StaticFilesMiddleware(lambda request: HttpResponseNotFound())

    assert first["css/app.css"] != second["css/app.css"]
    assert (settings.STATIC_ROOT / first["css/app.css"]).is_file()
    assert (settings.STATIC_ROOT / second["css/app.css"]).is_file()
    # The old release's pages still resolve the file the new release dropped.
    assert second["css/gone.css"] == first["css/gone.css"]
    for server in (old_server, new_server):
        assert _get(server, first["css/app.css"]) == (200, ".a { color: red }")
        assert _get(server, second["css/app.css"]) == (200, ".a { color: blue }")
        assert _get(server, first["css/gone.css"]) == (200, ".g {}")


def test_only_hashed_files_inside_static_root_are_picked_up_late(release, settings, tmp_path):
    release({"css/app.css": ".a {}"})
    server = StaticFilesMiddleware(lambda request: HttpResponseNotFound())
    (tmp_path / "secret.0123456789ab.txt").write_text("not static")
    (settings.STATIC_ROOT / "css" / "late.css").write_text(".late {}")

    assert _get(server, "../secret.0123456789ab.txt")[0] == 404
    assert _get(server, "css/late.css")[0] == 404  # not hashed: may change, not guessed
