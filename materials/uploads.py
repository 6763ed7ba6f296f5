"""The file name an upload really had, as the browser sent it.

Django's multipart parser "sanitises" names before anything else sees them
(``MultiPartParser.sanitize_file_name``): it keeps what follows the last ``/`` or ``\\``,
drops unprintable characters (controls, bidirectional overrides), and skips a part named
``""``, ``.`` or ``..`` altogether, as if no file had been sent. So ``../../evil.pdf``
arrives as ``evil.pdf`` and ``..`` arrives as nothing ("0 files added"). That is safe,
but it silently fixes what should be refused with its reason: materials are judged by
what the client sent (``materials.files.validate_upload``).

``keeps_client_file_names`` wraps an upload view so that the request is parsed by a
parser that records each file part's name as sent on the uploaded file, as
``client_name``, and keeps the parts Django would drop (under a placeholder name), so
``validate_upload`` refuses them by name. It uses the documented way to change upload
handlers for one view: ``csrf_exempt`` outside, the handler added, ``csrf_protect``
inside — the CSRF check is the same and still comes first.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser
from django.views.decorators.csrf import csrf_exempt, csrf_protect

#: The name given to a part Django would have dropped ("..", "a/"): never stored, since
#: ``client_name`` (the real one) is refused first.
PLACEHOLDER_NAME = "unnamed"


class _ClientNameParser(MultiPartParser):
    """Django's parser, remembering each file part's name as the client sent it."""

    _client_name: str | None = None

    def sanitize_file_name(self, file_name: str) -> str:
        # Django unescapes HTML entities first (some browsers send "&#7893;"); so do we,
        # so that "&#47;" counts as the "/" it stands for.
        self._client_name = html.unescape(file_name)
        return super().sanitize_file_name(file_name) or PLACEHOLDER_NAME

    def handle_file_complete(self, old_field_name, counters):
        before = {key: len(files) for key, files in self._files.lists()}
        super().handle_file_complete(old_field_name, counters)
        for key, files in self._files.lists():
            for upload in files[before.get(key, 0) :]:
                upload.client_name = self._client_name


class ClientNameUploadHandler(FileUploadHandler):
    """Takes over parsing (``handle_raw_input`` may return the result) and hands the file
    data to the request's other handlers, as Django's parser would."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        others = [h for h in self.request.upload_handlers if h is not self]
        return _ClientNameParser(META, input_data, others, encoding).parse()

    def receive_data_chunk(self, raw_data, start):  # never called: parsing is taken over
        return raw_data

    def file_complete(self, file_size):
        return None


def keeps_client_file_names(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give the view's uploads a ``client_name``: the name as the client sent it."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Handlers can only be changed before the body is parsed. If something read it
        # first, the uploads keep Django's trimmed names: still safe, only less precise.
        if not hasattr(request, "_files"):
            request.upload_handlers.insert(0, ClientNameUploadHandler(request))
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)
