"""Serving stored files (library materials, certificate print files, exports, receipt
scans) after the view has checked who may have them.

Three ways, chosen by the configuration, so that a 1 GB video does not hold an app
worker for the length of a download on a 3G line:

- files on S3 (``MEDIA_STORAGE=s3``): a redirect to a presigned URL that expires after
  ``S3_PRESIGN_SECONDS``; the object store sends the bytes, ranges included. The bucket
  stays private: without the signature nothing is reachable (``core.storage``).
- files on this disk behind nginx (``MEDIA_ACCEL_REDIRECT``): an empty response whose
  ``X-Accel-Redirect`` header names the file under nginx's ``internal`` location, which
  sends it (docs/deployment.md).
- otherwise the app streams the file itself, as below.

Streaming does the HTTP range requests audio and video players need.

Browsers play ``<audio>``/``<video>`` by asking for byte ranges (seek, resume, the moov
atom at the end of an MP4); a server that always answers 200 with the whole file makes
seeking impossible on phones and re-downloads a 300 MB clip on every jump. Django's
``FileResponse`` does not do ranges, so this module answers one ``Range`` itself
(RFC 9110 §14), with validators (``ETag``, ``Last-Modified``) so ``If-Range`` and
``If-None-Match`` work, and streams the body in chunks without reading the file into
memory.

Every streamed response also says ``X-Content-Type-Options: nosniff`` and carries the
content type decided at upload time from the file's bytes (see ``materials.files``), so
a browser never second-guesses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO, Protocol
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.http import http_date, parse_etags, parse_http_date_safe, quote_etag
from django.utils.translation import gettext as _

from core.http import content_disposition

CHUNK_BYTES = 64 * 1024

# One range only: "bytes=a-b", "bytes=a-" or "bytes=-n" (whitespace tolerated). ASCII
# digits and spaces only: "\\d" would also take Arabic-Indic or full-width digits.
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE | re.ASCII)
# A byte position longer than this is beyond any file we store (10^18 bytes is an exabyte)
# and is never turned into an int: Python refuses int() of more than 4,300 digits, and a
# client may send 5,000 ("bytes=99999…-"), which must be a 416, not a 500.
_MAX_DIGITS = 18
_BEYOND_ANY_FILE = 10**_MAX_DIGITS


class StoredFile(Protocol):
    """What ``serve_file`` needs: a Django ``FieldFile`` fits, so does a small wrapper."""

    @property
    def size(self) -> int: ...

    def open(self, mode: str = ...) -> Any: ...


class _Unsatisfiable(Exception):
    """A well-formed byte range that lies wholly beyond the end of the file."""


def _position(digits: str) -> int:
    """A byte position from the header; one too long to be a real offset counts as
    beyond the end of any file (without converting thousands of digits)."""
    digits = digits.lstrip("0") or "0"
    return _BEYOND_ANY_FILE if len(digits) > _MAX_DIGITS else int(digits)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions, inclusive, or None to ignore the header and send the
    whole file: RFC 9110 lets a server ignore a Range it does not understand, and we
    choose to ignore multi-range requests (multipart/byteranges) too."""
    match = _RANGE.match(header)
    if not match:
        return None  # another unit, several ranges, or garbage
    first, last = match.groups()
    if not first and not last:
        return None  # "bytes=-"
    if not first:
        suffix = _position(last)
        if suffix == 0 or size == 0:
            raise _Unsatisfiable
        return max(size - suffix, 0), size - 1
    start = _position(first)
    if last and _digits_less(last, first):
        return None  # syntactically invalid (RFC 9110 §14.1.1): ignore
    if start >= size:
        raise _Unsatisfiable
    return start, min(_position(last), size - 1) if last else size - 1


def _digits_less(a: str, b: str) -> bool:
    """a < b for two strings of ASCII digits of any length, without int()."""
    a, b = a.lstrip("0"), b.lstrip("0")
    return (len(a), a) < (len(b), b)


def _modified_time(fieldfile: Any) -> datetime | None:
    """The file's modification time from its storage, when the storage can tell."""
    storage, name = getattr(fieldfile, "storage", None), getattr(fieldfile, "name", None)
    if storage is None or not name:
        return None
    try:
        return storage.get_modified_time(name)
    except (NotImplementedError, OSError, AttributeError):
        return None


def _etag(given: str | None, size: int, modified: datetime | None) -> str | None:
    """A strong ETag from a content hash, or from size and modification time (as Apache
    and nginx do); without either there is no validator worth the name."""
    if given:
        return quote_etag(given)
    if modified is not None:
        return f'"{size:x}-{int(modified.timestamp() * 1_000_000):x}"'
    return None


def _not_modified(request: HttpRequest, etag: str | None, last_modified: str | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (weak comparison) wins over If-Modified-Since."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        if etag is None:
            return False
        tags = parse_etags(if_none_match)
        if tags == ["*"]:
            return True
        return _weak(etag) in {_weak(tag) for tag in tags}
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since and last_modified:
        since = parse_http_date_safe(if_modified_since)
        modified = parse_http_date_safe(last_modified)
        return since is not None and modified is not None and modified <= since
    return False


def _weak(tag: str) -> str:
    return tag.removeprefix("W/")


def _if_range_holds(request: HttpRequest, etag: str | None, last_modified: str | None) -> bool:
    """RFC 9110 §13.1.5: a range is sent only if the representation is unchanged; an
    entity tag must match *strongly*, a date exactly."""
    if_range = request.headers.get("If-Range")
    if if_range is None:
        return True
    if_range = if_range.strip()
    if if_range.startswith(('"', "W/")):
        return etag is not None and not etag.startswith("W/") and if_range == etag
    return last_modified is not None and if_range == last_modified


class _RangeReader:
    """Yields ``length`` bytes from ``start`` in chunks. Its ``close`` (called by the
    response when it is done, or when the client goes away, even before the first chunk)
    closes the file; a generator's ``finally`` would not run if it never started."""

    def __init__(self, handle: BinaryIO, start: int, length: int) -> None:
        self.handle, self.start, self.length = handle, start, length

    def __iter__(self) -> Iterator[bytes]:
        self.handle.seek(self.start)
        remaining = self.length
        while remaining > 0:
            chunk = self.handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.handle.close()


# ---------------------------------------------------------------------------- elsewhere


def _delegated(
    fieldfile: Any, *, content_type: str, filename: str, as_attachment: bool
) -> HttpResponseBase | None:
    """The response that lets the object store or nginx send the bytes, or None when
    this process must stream them itself."""
    storage, name = getattr(fieldfile, "storage", None), getattr(fieldfile, "name", None)
    if storage is None or not name:
        return None
    disposition = content_disposition(filename, as_attachment=as_attachment)
    presigned = getattr(storage, "download_url", None)  # core.storage.MediaS3Storage
    if presigned is not None and settings.S3_REDIRECT:
        response: HttpResponseBase = HttpResponseRedirect(
            presigned(name, content_type=content_type, disposition=disposition)
        )
        # The address stops working after S3_PRESIGN_SECONDS: no cache may keep it.
        response["Cache-Control"] = "private, no-store"
        return response
    prefix = settings.MEDIA_ACCEL_REDIRECT
    if prefix and isinstance(storage, FileSystemStorage):
        response = HttpResponse(content_type=content_type)
        # nginx decodes the URI; the name is ours (upload_to), quoted for the header.
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
        response["Content-Disposition"] = disposition
        response["X-Content-Type-Options"] = "nosniff"
        return response
    return None


def is_delegated(response: HttpResponseBase) -> bool:
    """Whether ``serve_file`` handed the bytes to the object store or to nginx."""
    return response.has_header("X-Accel-Redirect") or isinstance(response, HttpResponseRedirect)


def requested_span(request: HttpRequest, size: int) -> tuple[int, int] | None:
    """The bytes (first, last) a GET's Range header asks for (the whole file without
    one), None when nothing would be sent (an empty file, a range beyond the end): what
    a delegated download sends, to count it as a streamed one is counted."""
    header = request.headers.get("Range")
    if not header:
        return (0, size - 1) if size else None
    try:
        return _parse_range(header, size) or ((0, size - 1) if size else None)
    except _Unsatisfiable:
        return None


def serve_file(
    request: HttpRequest,
    fieldfile: StoredFile,
    *,
    content_type: str,
    filename: str,
    as_attachment: bool = False,
    etag: str | None = None,
) -> HttpResponseBase:
    """Serve a stored file for GET/HEAD, honouring one byte range and the validators.

    ``fieldfile`` is a ``FieldFile`` (or anything with ``.size`` and ``.open("rb")``);
    ``content_type`` is the type detected at upload; ``filename`` the name the user sees
    (Vietnamese welcome); ``etag`` the file's SHA-256 if known, else one is made from
    size and modification time. Raises Http404 if the file is gone from storage.

    Called after the view's permission check: the object store or nginx may send the
    bytes instead (see the module's docstring)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        size = fieldfile.size
    except FileNotFoundError as exc:
        raise Http404(_("The file of this material is missing.")) from exc
    delegated = _delegated(
        fieldfile, content_type=content_type, filename=filename, as_attachment=as_attachment
    )
    if delegated is not None:
        return delegated
    modified = _modified_time(fieldfile)
    tag = _etag(etag, size, modified)
    last_modified = http_date(modified.timestamp()) if modified else None

    def headers(response: HttpResponseBase) -> HttpResponseBase:
        response["Accept-Ranges"] = "bytes"
        response["X-Content-Type-Options"] = "nosniff"
        if tag:
            response["ETag"] = tag
        if last_modified:
            response["Last-Modified"] = last_modified
        return response

    if _not_modified(request, tag, last_modified):
        return headers(HttpResponseNotModified())

    byte_range = None
    range_header = request.headers.get("Range")
    # Only GET has range semantics (RFC 9110 §14.2); HEAD answers as for the whole file.
    if range_header and request.method == "GET" and _if_range_holds(request, tag, last_modified):
        try:
            byte_range = _parse_range(range_header, size)
        except _Unsatisfiable:
            response = headers(HttpResponse(status=416, content_type=content_type))
            response["Content-Range"] = f"bytes */{size}"
            return response

    start, end = byte_range if byte_range else (0, size - 1)
    length = end - start + 1 if size else 0
    if request.method == "HEAD":
        response: HttpResponseBase = HttpResponse(content_type=content_type)
    else:
        try:
            handle = fieldfile.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("The file of this material is missing.")) from exc
        response = StreamingHttpResponse(
            _RangeReader(handle, start, length), content_type=content_type
        )
    headers(response)
    response["Content-Length"] = str(length)
    response["Content-Disposition"] = content_disposition(filename, as_attachment=as_attachment)
    if byte_range:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
