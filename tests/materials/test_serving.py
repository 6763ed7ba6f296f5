"""core.media (streaming) — byte ranges, validators and headers for stored materials.

Served from a real FieldFile over a temporary FileSystemStorage, as in production.
"""

import io
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404

from core.media import CHUNK_BYTES, serve_file

DATA = bytes(range(64))  # 64 bytes, each one its own offset
NAME = "Bản tin tiếng Mông số 3.mp3"

# response.close() sends request_finished, whose handler touches the database connection
# once an earlier test has opened it: allow it.
pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(location=tmp_path)


def stored(storage, content: bytes = DATA, name: str = "ban-tin-3fa91c0b.mp3") -> FieldFile:
    saved = storage.save(name, ContentFile(content))
    return FieldFile(None, models.FileField(storage=storage), saved)


@pytest.fixture
def media(storage):
    return stored(storage)


def serve(rf, fieldfile, method="get", **headers):
    request = getattr(rf, method)("/tai-lieu/1/", headers=headers)
    return serve_file(request, fieldfile, content_type="audio/mpeg", filename=NAME)


def body(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_whole_file_with_headers(rf, media):
    response = serve(rf, media)

    assert response.status_code == 200
    assert body(response) == DATA
    assert response["Content-Length"] == "64"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/mpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["ETag"].startswith('"')
    assert "Last-Modified" in response


def test_first_ten_bytes(rf, media):
    response = serve(rf, media, Range="bytes=0-9")

    assert response.status_code == 206
    assert body(response) == DATA[:10]
    assert response["Content-Length"] == "10"
    assert response["Content-Range"] == "bytes 0-9/64"


def test_open_ended_and_clamped_ranges(rf, media):
    response = serve(rf, media, Range="bytes=60-")
    assert (response.status_code, body(response)) == (206, DATA[60:])
    assert response["Content-Range"] == "bytes 60-63/64"

    response = serve(rf, media, Range="bytes=50-1000")
    assert (response.status_code, body(response)) == (206, DATA[50:])
    assert response["Content-Range"] == "bytes 50-63/64"


def test_suffix_range_is_the_last_bytes(rf, media):
    response = serve(rf, media, Range="bytes=-5")

    assert response.status_code == 206
    assert body(response) == DATA[-5:]
    assert response["Content-Range"] == "bytes 59-63/64"
    assert response["Content-Length"] == "5"


def test_suffix_longer_than_the_file_is_the_whole_file(rf, media):
    response = serve(rf, media, Range="bytes=-1000")
    assert (response.status_code, body(response)) == (206, DATA)
    assert response["Content-Range"] == "bytes 0-63/64"


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=64-70", "bytes=-0"])
def test_unsatisfiable_range_is_416(rf, media, header):
    response = serve(rf, media, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */64"
    assert response.content == b""


@pytest.mark.parametrize(
    "header", ["bytes=abc", "items=0-5", "bytes=9-2", "bytes=-", "bytes 0-5", "bytes=0-1,5-6"]
)
def test_invalid_or_multiple_ranges_are_ignored(rf, media, header):
    response = serve(rf, media, Range=header)

    assert response.status_code == 200
    assert body(response) == DATA
    assert "Content-Range" not in response


def test_if_range_with_the_current_etag_gives_the_range(rf, media):
    etag = serve(rf, media, method="head")["ETag"]
    response = serve(rf, media, Range="bytes=0-9", **{"If-Range": etag})

    assert (response.status_code, body(response)) == (206, DATA[:10])


def test_if_range_that_does_not_match_gives_the_whole_file(rf, media):
    response = serve(rf, media, Range="bytes=0-9", **{"If-Range": '"an-old-version"'})

    assert response.status_code == 200
    assert body(response) == DATA


def test_if_range_with_the_last_modified_date(rf, media):
    last_modified = serve(rf, media, method="head")["Last-Modified"]
    response = serve(rf, media, Range="bytes=0-9", **{"If-Range": last_modified})
    assert response.status_code == 206
    response.close()

    stale = serve(rf, media, Range="bytes=0-9", **{"If-Range": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert (stale.status_code, body(stale)) == (200, DATA)


def test_if_none_match_gives_304(rf, media):
    etag = serve(rf, media, method="head")["ETag"]

    for header in (etag, f'"other", W/{etag}', "*"):
        response = serve(rf, media, **{"If-None-Match": header})
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag

    changed = serve(rf, media, **{"If-None-Match": '"other"'})
    assert (changed.status_code, body(changed)) == (200, DATA)


def test_if_modified_since_gives_304(rf, media):
    last_modified = serve(rf, media, method="head")["Last-Modified"]
    assert serve(rf, media, **{"If-Modified-Since": last_modified}).status_code == 304


def test_head_has_headers_but_no_body(rf, media):
    response = serve(rf, media, method="head", Range="bytes=0-9")

    assert response.status_code == 200  # only GET has range semantics
    assert response.content == b""
    assert not response.streaming
    assert response["Content-Length"] == "64"
    assert response["Accept-Ranges"] == "bytes"


def test_content_disposition_carries_the_vietnamese_name(rf, media):
    response = serve(rf, media)
    disposition = response["Content-Disposition"]
    response.close()

    assert disposition.startswith("inline; ")
    assert "filename*=UTF-8''" + quote(NAME, safe="") in disposition
    assert 'filename="Ban tin tieng Mong so 3.mp3"' in disposition


def test_attachment_and_unsafe_characters_in_the_name(rf, media):
    request = rf.get("/")
    response = serve_file(
        request,
        media,
        content_type="application/pdf",
        filename='Sổ tay "đặc biệt"\r\nX-Evil: 1.pdf',
        as_attachment=True,
    )
    disposition = response["Content-Disposition"]
    response.close()

    assert disposition.startswith("attachment; ")
    assert 'filename="So tay _dac biet___X-Evil: 1.pdf"' in disposition
    assert "\r" not in disposition and "\n" not in disposition


def test_a_given_sha256_is_the_etag(rf, media):
    digest = "ab" * 32
    request = rf.get("/", headers={"If-None-Match": f'"{digest}"'})
    response = serve_file(request, media, content_type="audio/mpeg", filename=NAME, etag=digest)

    assert response.status_code == 304
    assert response["ETag"] == f'"{digest}"'


class CountingFile(io.BytesIO):
    reads: list[int]

    def read(self, size=-1):
        self.reads.append(size)
        return super().read(size)


class Wrapper:
    """Not a FieldFile: anything with .size and .open("rb") can be served."""

    def __init__(self, content: bytes):
        self.content = content
        self.size = len(content)
        self.handle = None

    def open(self, mode="rb"):
        self.handle = CountingFile(self.content)
        self.handle.reads = []
        return self.handle


def test_large_ranges_are_streamed_in_chunks_and_the_file_closed(rf):
    content = bytes(range(256)) * 1024  # 256 KB
    source = Wrapper(content)
    request = rf.get("/", headers={"Range": "bytes=1000-200999"})

    response = serve_file(request, source, content_type="video/mp4", filename="clip.mp4")
    chunks = list(response.streaming_content)
    response.close()

    assert response.status_code == 206
    assert b"".join(chunks) == content[1000:201000]
    assert len(chunks) == 4
    assert max(source.handle.reads) <= CHUNK_BYTES
    assert source.handle.closed
    assert "ETag" not in response  # no hash, no modification time: no validator


def test_empty_file(rf, storage):
    response = serve(rf, stored(storage, b"", "rong.mp3"))
    assert (response.status_code, body(response), response["Content-Length"]) == (200, b"", "0")

    assert serve(rf, stored(storage, b"", "rong2.mp3"), Range="bytes=0-").status_code == 416


def test_missing_file_is_404(rf, storage, media):
    storage.delete(media.name)
    with pytest.raises(Http404):
        serve(rf, media)


def test_other_methods_are_not_allowed(rf, media):
    assert serve(rf, media, method="post").status_code == 405


def test_the_file_is_closed_even_if_the_body_is_never_read(rf):
    source = Wrapper(DATA)
    response = serve_file(rf.get("/"), source, content_type="audio/mpeg", filename=NAME)
    response.close()  # e.g. the client went away before the first chunk

    assert source.handle.closed


# ---------------------------------------------------------------- hostile Range headers

HUGE = "9" * 5000  # Python refuses int() of more than 4,300 digits


@pytest.mark.parametrize(
    "header",
    [f"bytes={HUGE}-", f"bytes={HUGE}-{HUGE}", f"bytes={'0' * 4999}64-"],
)
def test_a_start_beyond_any_file_is_416_not_a_crash(rf, media, header):
    response = serve(rf, media, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */64"


def test_an_endless_last_position_is_clamped_to_the_file(rf, media):
    response = serve(rf, media, Range=f"bytes=60-{HUGE}")
    assert (response.status_code, body(response)) == (206, DATA[60:])
    assert response["Content-Range"] == "bytes 60-63/64"


def test_an_endless_suffix_is_the_whole_file(rf, media):
    response = serve(rf, media, Range=f"bytes=-{HUGE}")
    assert (response.status_code, body(response)) == (206, DATA)
    assert response["Content-Range"] == "bytes 0-63/64"


def test_leading_zeros_do_not_count_as_size(rf, media):
    response = serve(rf, media, Range=f"bytes={'0' * 5000}-{'0' * 5000}9")
    assert (response.status_code, body(response)) == (206, DATA[:10])


@pytest.mark.parametrize(
    "header",
    [
        f"bytes={HUGE}8-{HUGE}",  # last < first: invalid, ignored
        f"bytes={HUGE}-5",
        "bytes=0-1," * 2000 + "0-1",  # thousands of ranges
        "bytes=\u0663-\u0665",  # Arabic-Indic digits are not HTTP digits
        "bytes=" + "-" * 5000,
        "bytes=0-1, 3-4",
        "bytes=--5",
        "bytes=5--",
    ],
)
def test_malformed_or_multiple_ranges_give_the_whole_file(rf, media, header):
    response = serve(rf, media, Range=header)

    assert response.status_code == 200
    assert body(response) == DATA
    assert "Content-Range" not in response
