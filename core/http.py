"""A generated document sent to the browser: its content type by format and its
Content-Disposition, written once for every download of every app (a PDF list, a workbook,
a letter, a personal-data export, a file of the library).

The header follows RFC 6266 with RFC 5987's ``filename*``: the Vietnamese name survives
("Báo cáo kết quả 2023.docx") and a client that ignores ``filename*`` gets a readable
ASCII one ("Bao cao ket qua 2023.docx")."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

from courses.vietnamese import nfc

#: The content type of each format the apps generate.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def ascii_name(filename: str) -> str:
    """The name for clients that ignore ``filename*``: Vietnamese letters without their
    marks ("Sổ tay.pdf" -> "So tay.pdf"), anything else unsafe in a quoted string
    replaced by "_"."""
    folded = unicodedata.normalize("NFD", filename.replace("đ", "d").replace("Đ", "D"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return "".join(c if " " <= c <= "~" and c not in '"\\/' else "_" for c in folded)


def content_disposition(filename: str, *, as_attachment: bool, fallback: str = "") -> str:
    """``inline|attachment; filename="ASCII"; filename*=UTF-8''percent-encoded``.
    ``fallback`` is the ASCII name when the folded one would not do (a slug)."""
    filename = nfc(filename)
    kind = "attachment" if as_attachment else "inline"
    encoded = quote(filename, safe="!#$&+-.^_`|~")
    return f"{kind}; filename=\"{fallback or ascii_name(filename)}\"; filename*=UTF-8''{encoded}"


def document_response(
    content: bytes | str,
    filename: str,
    *,
    as_attachment: bool = True,
    fallback: str = "",
    private: bool = False,
) -> HttpResponse:
    """``content`` as a download named ``filename``, its content type from the name's
    extension (:data:`CONTENT_TYPES`). A PDF is usually shown ``inline`` (printed from
    the browser); ``private`` keeps a document with people's data out of every cache."""
    extension = filename.rsplit(".", 1)[-1].lower()
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = content_disposition(
        filename, as_attachment=as_attachment, fallback=fallback
    )
    if private:
        response["Cache-Control"] = "private, no-store"
    return response
