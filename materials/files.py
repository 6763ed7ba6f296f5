"""Checking uploaded course materials by what they *are*, not what they claim to be.

Materials uploaded by department staff are later served to the public, so an upload is
judged by its bytes (magic numbers), never by its file name or the browser's
Content-Type: both are chosen by the client. A renamed ``setup.exe`` or an HTML page
called ``so-tay.pdf`` would otherwise be stored and handed back to citizens' browsers
under our domain. Three rules follow:

* Recognise a short, explicit list of formats (documents, images, audio, video) and
  refuse everything else, including formats we merely do not know.
* Refuse executables, scripts and markup (HTML/SVG/XML) outright with a message that
  says so, even when the name ends in ``.pdf``.
* Never reuse the client's file name on disk: it may carry folders, ``..``, control or
  bidirectional-override characters. Names with such parts are refused (a silent fix
  would hide an attack); the stored name is an ASCII slug plus random hex plus the
  extension of the *detected* format.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import TextChoices
from django.utils import formats
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import uploads
from courses.vietnamese import fold, nfc

#: How much of the file ``sniff`` looks at; every signature we know lies well within it.
HEAD_BYTES = 4096
#: Hashing reads the upload in chunks of this size, so a 1 GB video never sits in memory.
CHUNK_BYTES = 64 * 1024
#: Longest slug kept from the client's name in the stored name.
SLUG_MAX = 60


class Family(TextChoices):
    """What kind of material a file is; each kind of material accepts some families."""

    DOCUMENT = "document", gettext_lazy("Document")
    IMAGE = "image", gettext_lazy("Image")
    AUDIO = "audio", gettext_lazy("Audio")
    VIDEO = "video", gettext_lazy("Video")


class Danger(Enum):
    """Content refused whatever the kind of material: it could run on a visitor's machine
    or in their browser."""

    PROGRAM = "program"  # executables and scripts
    MARKUP = "markup"  # HTML, SVG, XML: a browser may run the scripts inside
    MACRO = "macro"  # office documents carrying VBA/Basic macros


@dataclass(frozen=True)
class Detected:
    """A format recognised from a file's bytes."""

    mime: str
    ext: str  # canonical extension, used for the stored name
    family: Family


@dataclass(frozen=True)
class ValidatedFile:
    """An upload that passed every check, with what the caller needs to store it."""

    original_name: str  # NFC-normalised, as the client named it (for display only)
    safe_name: str  # the name to store it under: ASCII slug, random part, detected ext
    mime: str
    ext: str
    family: Family
    size: int
    sha256: str


# --- the formats we accept ------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    detected: Detected
    description: object  # lazy translation: "a PDF document"
    extensions: frozenset[str]  # names that do not contradict the content


def _fmt(mime: str, ext: str, family: Family, description, *synonyms: str) -> _Format:
    return _Format(Detected(mime, ext, family), description, frozenset({ext, *synonyms}))


_D, _I, _A, _V = Family.DOCUMENT, Family.IMAGE, Family.AUDIO, Family.VIDEO
_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."

FORMATS: dict[str, _Format] = {
    f.detected.ext: f
    for f in [
        _fmt("application/pdf", "pdf", _D, gettext_lazy("a PDF document")),
        _fmt(_OOXML + "wordprocessingml.document", "docx", _D, gettext_lazy("a Word document")),
        _fmt(_OOXML + "spreadsheetml.sheet", "xlsx", _D, gettext_lazy("an Excel spreadsheet")),
        _fmt(
            _OOXML + "presentationml.presentation",
            "pptx",
            _D,
            gettext_lazy("a PowerPoint presentation"),
        ),
        _fmt(_ODF + "text", "odt", _D, gettext_lazy("an OpenDocument text")),
        _fmt(_ODF + "spreadsheet", "ods", _D, gettext_lazy("an OpenDocument spreadsheet")),
        _fmt(_ODF + "presentation", "odp", _D, gettext_lazy("an OpenDocument presentation")),
        _fmt("application/msword", "doc", _D, gettext_lazy("a Word 97–2003 document"), "dot"),
        _fmt("application/vnd.ms-excel", "xls", _D, gettext_lazy("an Excel 97–2003 spreadsheet")),
        _fmt(
            "application/vnd.ms-powerpoint",
            "ppt",
            _D,
            gettext_lazy("a PowerPoint 97–2003 presentation"),
            "pps",
        ),
        _fmt("image/png", "png", _I, gettext_lazy("a PNG image")),
        _fmt("image/jpeg", "jpg", _I, gettext_lazy("a JPEG image"), "jpeg", "jpe", "jfif"),
        _fmt("image/gif", "gif", _I, gettext_lazy("a GIF image")),
        _fmt("image/webp", "webp", _I, gettext_lazy("a WebP image")),
        _fmt("audio/mpeg", "mp3", _A, gettext_lazy("an MP3 audio file")),
        _fmt("audio/mp4", "m4a", _A, gettext_lazy("an M4A audio file"), "m4b", "mp4"),
        _fmt("audio/aac", "aac", _A, gettext_lazy("an AAC audio file")),
        _fmt("audio/ogg", "ogg", _A, gettext_lazy("an Ogg audio file"), "oga", "opus"),
        _fmt("audio/wav", "wav", _A, gettext_lazy("a WAV audio file")),
        _fmt("audio/flac", "flac", _A, gettext_lazy("a FLAC audio file")),
        _fmt("video/mp4", "mp4", _V, gettext_lazy("an MP4 video"), "m4v"),
        _fmt("video/quicktime", "mov", _V, gettext_lazy("a QuickTime video"), "qt"),
        _fmt("video/3gpp", "3gp", _V, gettext_lazy("a 3GP phone video")),
        _fmt("video/webm", "webm", _V, gettext_lazy("a WebM video")),
        _fmt("video/x-matroska", "mkv", _V, gettext_lazy("a Matroska video")),
        _fmt("video/ogg", "ogv", _V, gettext_lazy("an Ogg video")),
    ]
}

#: What each family accepts, for messages that tell the user what to upload instead.
FAMILY_HINTS = {
    Family.DOCUMENT: gettext_lazy("documents (PDF, Word, Excel, PowerPoint, OpenDocument)"),
    Family.IMAGE: gettext_lazy("images (PNG, JPEG, GIF, WebP)"),
    Family.AUDIO: gettext_lazy("audio (MP3, M4A, Ogg, WAV, FLAC)"),
    Family.VIDEO: gettext_lazy("video (MP4, WebM, MOV)"),
}


def _detected(ext: str) -> Detected:
    return FORMATS[ext].detected


# --- dangerous content ---------------------------------------------------------------

_PROGRAM_MAGIC = (
    b"MZ",  # Windows/DOS executables, DLLs, .scr, .cpl
    b"\x7fELF",  # Linux/Android executables and libraries
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit, big-endian
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit, big-endian
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary (and Java classes)
    b"\xca\xfe\xba\xbf",  # Mach-O universal binary, 64-bit
    b"\xbe\xba\xfe\xca",  # universal binary, byte-swapped
    b"#!",  # shell, Python, Perl … scripts
)

# Markup a browser would render (and whose scripts it would run) if it ever sniffed the
# file: the tags of the WHATWG MIME-sniffing "HTML" patterns plus SVG and XML.
_MARKUP = re.compile(
    rb"<(?:!doctype|!--|\?xml"
    rb"|(?:html|head|body|script|iframe|svg|style|title|table|div|font|a|b|p|br|h1"
    rb"|img|meta|link|object|embed|form|math)(?:[\s>/]|$))",
    re.IGNORECASE,
)
_UTF8_BOM = b"\xef\xbb\xbf"


def _text_start(head: bytes) -> bytes:
    """The first bytes of a text file as ASCII-compatible bytes, without BOM or leading
    whitespace; UTF-16 text (with a BOM or an obvious ``<\\0``) is decoded first, since a
    browser would decode it too."""
    sample = head[:1024]
    encoding = None
    if sample.startswith((b"\xff\xfe", b"<\x00")):
        encoding = "utf-16-le"
    elif sample.startswith((b"\xfe\xff", b"\x00<")):
        encoding = "utf-16-be"
    if encoding:
        text = sample.decode(encoding, errors="ignore").lstrip("\ufeff")
        sample = text.encode("ascii", errors="replace")
    elif sample.startswith(_UTF8_BOM):
        sample = sample[len(_UTF8_BOM) :]
    return sample.lstrip(b" \t\r\n\f\v")


def dangerous(head: bytes, file: BinaryIO | None = None) -> Danger | None:
    """Why the content must be refused whatever its name, or None."""
    try:
        result = classify(head, file)
    except uploads.UploadRefused:
        return None
    return result if isinstance(result, Danger) else None


# --- recognising formats --------------------------------------------------------------

_MP4_VIDEO_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"MSNV",
    b"dash",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"mmp4",
    b"XAVC",
}
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B "}


def _ftyp(head: bytes) -> Detected | None:
    """MP4-family files start with an ``ftyp`` box naming a major brand and a list of
    compatible ones; the brand tells audio (M4A) from video."""
    (box_size,) = struct.unpack(">I", head[:4])
    major = head[8:12]
    end = min(max(box_size, 16), len(head), 256)
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major in _MP4_AUDIO_BRANDS:
        return _detected("m4a")
    if major == b"qt  ":
        return _detected("mov")
    if major[:3] in (b"3gp", b"3g2"):
        return _detected("3gp")
    if major in _MP4_VIDEO_BRANDS:
        # ffmpeg and others label audio-only MP4 with a generic major brand and "M4A ".
        return _detected("m4a") if compatible & _MP4_AUDIO_BRANDS else _detected("mp4")
    return None


def _mpeg_audio(head: bytes) -> Detected | None:
    """A bare MPEG audio frame header (MP3 without an ID3 tag) or an AAC ADTS header:
    11 sync bits, then fields that must not hold their reserved values."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    if layer == 0:
        # ADTS (AAC): 12 sync bits, layer always 0, sampling index 13–15 reserved.
        if head[1] & 0xF0 == 0xF0 and (head[2] >> 2) & 0x0F < 13:
            return _detected("aac")
        return None
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    if version == 0b01 or bitrate == 0x0F or rate == 0b11:
        return None
    return _detected("mp3")


def _read_at(head: bytes, file: BinaryIO | None, offset: int, size: int) -> bytes | None:
    """Bytes at an offset, from ``head`` when they lie in it, else from the file."""
    if offset + size <= len(head):
        return head[offset : offset + size]
    if file is None:
        return None
    try:
        file.seek(offset)
        data = file.read(size)
    except (OSError, ValueError):
        return None
    return data if len(data) == size else None


_OLE_END = 0xFFFFFFFA  # sector ids from here on are markers (end of chain, free …)
_OLE_MAX_DIRECTORY_SECTORS = 256


def _ole_names(head: bytes, file: BinaryIO | None) -> set[str]:
    """Names of the streams and storages of an OLE2 compound file (legacy Office).

    Follows the directory's sector chain through the FAT, reading only the directory
    sectors (a few KB), so a large .doc costs no more than a small one."""
    if len(head) < 512:
        return set()
    shift = struct.unpack_from("<H", head, 0x1E)[0]
    if shift not in (9, 12):
        return set()
    sector = 1 << shift
    per_fat_sector = sector // 4
    difat = struct.unpack_from("<109I", head, 0x4C)
    names: set[str] = set()
    seen: set[int] = set()
    sid = struct.unpack_from("<I", head, 0x30)[0]
    while sid < _OLE_END and sid not in seen and len(seen) < _OLE_MAX_DIRECTORY_SECTORS:
        seen.add(sid)
        data = _read_at(head, file, (sid + 1) * sector, sector)
        if data is None:
            break
        for offset in range(0, sector, 128):
            entry = data[offset : offset + 128]
            length, kind = struct.unpack_from("<HB", entry, 64)
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.add(entry[: length - 2].decode("utf-16-le", errors="replace"))
        index = sid // per_fat_sector
        if index >= len(difat) or difat[index] >= _OLE_END:
            break
        link = _read_at(head, file, (difat[index] + 1) * sector + (sid % per_fat_sector) * 4, 4)
        if link is None:
            break
        sid = struct.unpack("<I", link)[0]
    return names


def _ole(head: bytes, file: BinaryIO | None) -> Detected | Danger | None:
    """Word/Excel/PowerPoint 97–2003 are told apart by their main stream's name. Other
    compound files (e.g. .msi installers) are not accepted."""
    names = _ole_names(head, file)
    if names & {"Macros", "_VBA_PROJECT_CUR", "VBA"}:
        return Danger.MACRO
    if "WordDocument" in names:
        return _detected("doc")
    if names & {"Workbook", "Book"}:
        return _detected("xls")
    if "PowerPoint Document" in names:
        return _detected("ppt")
    return None


def _zip_names_from_head(head: bytes) -> list[str]:
    """Entry names from the local headers at the start of a ZIP, when no file is at hand."""
    names: list[str] = []
    offset = 0
    while head[offset : offset + 4] == b"PK\x03\x04" and offset + 30 <= len(head):
        (flags,) = struct.unpack_from("<H", head, offset + 6)
        (compressed,) = struct.unpack_from("<I", head, offset + 18)
        name_len, extra_len = struct.unpack_from("<HH", head, offset + 26)
        name = head[offset + 30 : offset + 30 + name_len]
        if len(name) < name_len:
            break
        names.append(name.decode("utf-8", errors="replace"))
        if flags & 0x08:  # sizes follow the data: cannot skip to the next header
            break
        offset += 30 + name_len + extra_len + compressed
    return names


_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_OOXML_DIRS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


# Content types of macro parts and macro-enabled documents in [Content_Types].xml (vbaProject,
# its signatures, Word's vbaData, Excel 4.0 macro sheets, "*.macroEnabled.main+xml").
_MACRO_CONTENT_TYPE = re.compile(
    rb"ContentType\s*=\s*[\"'][^\"']*(?:vbaProject|vbaData|macroEnabled|macrosheet)",
    re.IGNORECASE,
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The VBA storage's stream names, as they appear in an OLE directory (UTF-16).
_VBA_STREAM = "_VBA_PROJECT".encode("utf-16-le")


def _ooxml_macros(archive: zipfile.ZipFile) -> bool:
    """Whether an Office Open XML package carries macros, judged by what its parts are
    rather than what they are called: the content types it declares, and any part that
    is an OLE compound file holding a VBA project (vbaProject.bin under any name).
    Everything is read in bounded chunks (courses.uploads)."""
    if _MACRO_CONTENT_TYPE.search(uploads.read_marker(archive, "[Content_Types].xml")):
        return True
    for info in archive.infolist():
        if info.is_dir() or info.file_size < len(_OLE_MAGIC):
            continue
        if uploads.read_marker(archive, info.filename, len(_OLE_MAGIC)) != _OLE_MAGIC:
            continue
        # An embedded OLE object (a chart, a Word table in a slide) is fine; one holding
        # a VBA project is a macro container.
        tail = b""
        for chunk in uploads.stream_entry(archive, info, uploads.MATERIAL_ZIP.max_entry):
            if _VBA_STREAM in tail + chunk:
                return True
            tail = chunk[-len(_VBA_STREAM) :]
    return False


def _zip(head: bytes, file: BinaryIO | None) -> Detected | Danger | None:
    """Office documents that are ZIP containers.

    OpenDocument files must store an uncompressed ``mimetype`` entry first, so the type
    is in the first bytes. Office Open XML needs the list of entries (the ZIP's central
    directory, at its end): ``zipfile`` reads only that, never decompressing anything.
    Any other ZIP (a plain archive, an EPUB, a JAR …) is not accepted."""
    odf = None
    name_len, extra_len = struct.unpack_from("<HH", head, 26) if len(head) >= 30 else (0, 0)
    method = struct.unpack_from("<H", head, 8)[0] if len(head) >= 30 else -1
    if method == 0 and head[30 : 30 + name_len] == b"mimetype":
        start = 30 + name_len + extra_len
        size = struct.unpack_from("<I", head, 18)[0]
        odf = _ODF_TYPES.get(head[start : start + min(size, 100)])
    if file is not None:
        try:
            file.seek(0)
            # Raises UploadRefused for a ZIP declaring more than a material may unpack to.
            with uploads.open_zip(file, uploads.MATERIAL_ZIP) as archive:
                names = archive.namelist()
                if _ooxml_macros(archive):
                    return Danger.MACRO
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
            return None
        except NotImplementedError:  # a compression method zipfile cannot read
            return None
    else:
        names = _zip_names_from_head(head)
    if any(n.endswith("vbaProject.bin") or n.startswith(("Basic/", "Scripts/")) for n in names):
        return Danger.MACRO
    if odf:
        return _detected(odf)
    if "[Content_Types].xml" in names:
        for prefix, ext in _OOXML_DIRS.items():
            if any(n.startswith(prefix) for n in names):
                return _detected(ext)
    return None


def classify(head: bytes, file: BinaryIO | None = None) -> Detected | Danger | None:
    """What the bytes are: an accepted format, something dangerous, or unknown (None).

    ``head`` is the first ``HEAD_BYTES`` of the file. ``file``, when given, must be
    seekable; it is read only for formats whose type is not in the head (the entry list
    of an Office Open XML ZIP, the directory of a legacy Office file). Its position is
    left anywhere: the caller rewinds. Raises courses.uploads.UploadRefused for a ZIP
    that would unpack to more than the limits for materials."""
    if head.startswith(_PROGRAM_MAGIC):
        return Danger.PROGRAM
    if _MARKUP.match(_text_start(head)):
        return Danger.MARKUP
    if head.startswith(b"%PDF-"):
        return _detected("pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _detected("png")
    if head.startswith(b"\xff\xd8\xff"):
        return _detected("jpg")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _detected("gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _detected("webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _detected("wav")
    if head.startswith(b"ID3"):
        return _detected("mp3")
    if head[4:8] == b"ftyp" and len(head) >= 16:
        return _ftyp(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML header; its DocType says WebM or Matroska.
        return _detected("mkv") if b"matroska" in head[:64] else _detected("webm")
    if head.startswith(b"OggS"):
        return _detected("ogv") if b"\x80theora" in head[:512] else _detected("ogg")
    if head.startswith(b"fLaC"):
        return _detected("flac")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole(head, file)
    if head.startswith(b"PK\x03\x04"):
        return _zip(head, file)
    return _mpeg_audio(head)


def sniff(head: bytes, file: BinaryIO | None = None) -> Detected | None:
    """The accepted format the bytes are, or None (unknown *or* dangerous: see
    ``dangerous`` to tell which)."""
    try:
        result = classify(head, file)
    except uploads.UploadRefused:
        return None
    return result if isinstance(result, Detected) else None


def describe(detected: Detected) -> str:
    """'a PNG image', in the user's language, for messages."""
    return str(FORMATS[detected.ext].description)


# --- names and sizes ------------------------------------------------------------------

_EXTENSION = re.compile(r"[a-z0-9]{1,5}")
# Characters that make a name lie about itself: control characters (NUL, newlines …) and
# bidirectional overrides ("bao-cao\u202efdp.exe" displays as "bao-caoexe.pdf").
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def split_name(name: str) -> tuple[str, str]:
    """(stem, lower-case extension). Only a short alphanumeric tail with a letter counts
    as an extension, so "Quyết định số 12.2023" has none (not "2023")."""
    stem, dot, ext = name.rpartition(".")
    ext = ext.strip().lower()
    if dot and _EXTENSION.fullmatch(ext) and any(c.isalpha() for c in ext):
        return stem, ext
    return name, ""


def is_plain_name(name: str) -> bool:
    """A bare file name: no folder parts, no ``..``, no hidden characters, a stem."""
    if not name or "/" in name or "\\" in name or name.strip() in {".", ".."}:
        return False
    if any(unicodedata.category(c) == "Cc" or c in _BIDI for c in name):
        return False
    stem, _ext = split_name(name)
    return bool(stem.strip(" ."))


def safe_name(original_name: str, ext: str) -> str:
    """The name to store a file under: "so-tay-nghiep-vu-3fa91c0b.pdf".

    The client's name is only a hint for humans browsing the media folder: it is folded
    to ASCII, the random part makes names unguessable and unique, and the extension is
    the detected format's, so the file is served as what it really is."""
    stem, _ext = split_name(original_name)
    slug = re.sub(r"[^a-z0-9]+", "-", fold(stem)).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-") or "tep"
    return f"{slug}-{secrets.token_hex(4)}.{ext}"


def human_size(size: int) -> str:
    """'12,5 MB' in Vietnamese, '12.5 MB' in English (binary multiples, like Django's
    filesizeformat), without a pointless ',0'."""
    return _human_size(size, 1)


def _human_size(size: int, decimals: int) -> str:
    if size < 1024:
        return f"{formats.number_format(size, use_l10n=True, force_grouping=True)} B"
    units = ["KB", "MB", "GB", "TB"]
    value = size / 1024
    # Round before formatting (number_format truncates), and move up a unit when the
    # rounding reaches 1024: 1 048 575 bytes is "1 MB", not "1023,9 KB" or "1024 KB".
    while round(value, decimals) >= 1024 and len(units) > 1:
        value /= 1024
        units.pop(0)
    unit = units[0]
    value = round(value, decimals)
    text = formats.number_format(value, decimal_pos=decimals, use_l10n=True)
    zero = formats.get_format("DECIMAL_SEPARATOR") + "0" * decimals
    if text.endswith(zero):
        text = text[: -len(zero)]
    return f"{text} {unit}"


def _size_pair(size: int, limit: int) -> tuple[str, str]:
    """Both sizes, precise enough that "50 MB is over the 50 MB limit" cannot happen."""
    for decimals in (1, 2):
        pair = _human_size(size, decimals), _human_size(limit, decimals)
        if pair[0] != pair[1]:
            return pair
    exact = formats.number_format(size, use_l10n=True, force_grouping=True)
    return f"{exact} B", formats.number_format(limit, use_l10n=True, force_grouping=True) + " B"


# --- validation -----------------------------------------------------------------------


def _display(name: str) -> str:
    """The name as shown in a message: hidden characters made visible."""
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" or c in _BIDI else c for c in name)


def _allowed_text(allowed: Iterable[Family]) -> str:
    return get_text_list([str(FAMILY_HINTS[f]) for f in allowed], _("or"))


def _refuse(name: str, message: str, code: str, **params: object) -> ValidationError:
    return ValidationError(message % {"name": _display(name), **params}, code=code)


def _empty(name: str) -> ValidationError:
    return _refuse(name, _("“%(name)s” is empty (0 bytes). Choose the file again."), "empty")


def _too_large(name: str, size: int, limit: int) -> ValidationError:
    size_text, limit_text = _size_pair(size, limit)
    return _refuse(
        name,
        _("“%(name)s” is %(size)s, over the %(limit)s limit for this kind of material."),
        "too_large",
        size=size_text,
        limit=limit_text,
    )


def _refuse_content(name: str, result: Danger | None, allowed: list[Family]) -> ValidationError:
    if result is Danger.PROGRAM:
        message = _(
            "“%(name)s” is a program file, not a course material; it cannot be uploaded, "
            "whatever its name."
        )
    elif result is Danger.MARKUP:
        message = _(
            "“%(name)s” is an HTML page or code, not a course material; it cannot be "
            "uploaded, whatever its name."
        )
    elif result is Danger.MACRO:
        message = _(
            "“%(name)s” contains macros (program code inside the document) and cannot be "
            "uploaded. Save it without macros (.docx, .xlsx, .pptx) or as PDF."
        )
    else:
        return _refuse(
            name,
            _("“%(name)s” is not a file type accepted here. Accepted: %(allowed)s."),
            "unknown_type",
            allowed=_allowed_text(allowed),
        )
    return _refuse(name, message, result.value)


def validate_upload(
    upload: UploadedFile,
    *,
    allowed: Iterable[Family],
    max_bytes: int,
    name: str | None = None,
) -> ValidatedFile:
    """Check an uploaded material by its content; raise ValidationError with one message
    naming the file, or return what is needed to store it.

    ``name`` is the file name as the client sent it, when the caller has it from
    elsewhere than ``upload.name``: Django's upload handling already strips folder parts
    from ``upload.name``, so a command-line import or an API that takes the name
    separately must pass it here to have it checked. Uploads parsed under
    ``materials.uploads.keeps_client_file_names`` carry that name as ``client_name``.

    The size is checked from ``upload.size`` before anything is read; the content is
    then read once, in chunks, for its SHA-256. The upload is rewound afterwards."""
    families = list(dict.fromkeys(Family(f) for f in allowed))
    if name is None:
        name = getattr(upload, "client_name", None) or upload.name
    original = nfc(name or "")

    if upload.size == 0:
        raise _empty(original)
    if upload.size is not None and upload.size > max_bytes:
        raise _too_large(original, upload.size, max_bytes)
    if not is_plain_name(original):
        raise _refuse(
            original,
            _(
                "“%(name)s” is not a usable file name: it must not contain folders, “..” "
                "or hidden characters, and needs a name before the extension. Rename the "
                "file and upload it again."
            ),
            "bad_name",
        )
    try:
        upload.seek(0)
        head = upload.read(HEAD_BYTES)
        if not head:
            raise _empty(original)
        try:
            result = classify(head, upload)
        except uploads.UploadRefused as exc:
            raise _refuse(
                original, "“%(name)s”: %(reason)s", "archive_limits", reason=str(exc)
            ) from exc
        if not isinstance(result, Detected):
            raise _refuse_content(original, result, families)
        _stem, claimed = split_name(original)
        if claimed and claimed not in FORMATS[result.ext].extensions:
            raise _refuse(
                original,
                _(
                    "“%(name)s”: the name says %(claimed)s but the content is %(actual)s. "
                    "Upload the original file, or correct its name."
                ),
                "extension_mismatch",
                claimed=claimed.upper(),
                actual=describe(result),
            )
        if result.family not in families:
            raise _refuse(
                original,
                _("“%(name)s” is %(actual)s; this kind of material accepts %(allowed)s."),
                "family_not_allowed",
                actual=describe(result),
                allowed=_allowed_text(families),
            )
        digest, total = hashlib.sha256(), 0
        for chunk in upload.chunks(CHUNK_BYTES):
            digest.update(chunk)
            total += len(chunk)
            if total > max_bytes:  # upload.size was missing or wrong
                raise _too_large(original, total, max_bytes)
    finally:
        upload.seek(0)
    return ValidatedFile(
        original_name=original,
        safe_name=safe_name(original, result.ext),
        mime=result.mime,
        ext=result.ext,
        family=result.family,
        size=total,
        sha256=digest.hexdigest(),
    )
