"""The digital library: browse, search and download materials, with no login needed for
public ones.

Withdrawn editions and files (and a material whose every edition is withdrawn) are not
in the library: ``.current()`` on each QuerySet. A withdrawn file answers 404 to everyone
but the coordinator, who may still open it (not counted as a download).

Who sees what is decided by ``Material.objects.visible_to(user)``: anonymous visitors see
public materials only, and a login-only material (its page or any of its files) answers
404 to them, exactly as a material that does not exist, so its existence is not revealed.
The 404 page says that some materials need a login and links to the login form.

Downloads are counted when a file is fetched from its first byte: a whole-file GET, or a
range starting at byte 0. A video player seeking through a clip asks for many ranges
and counts once; HEAD, 304 (the browser's copy is current) and 416 never count.
Thumbnails on the material page are fetched with ``?preview=1`` and do not count either:
showing a page is not downloading its pictures.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render

from core.media import is_delegated, requested_span, serve_file
from courses.vietnamese import sorted_by_text
from materials import services
from materials.files import FORMATS, Family, human_size
from materials.models import (
    Download,
    Edition,
    Language,
    Material,
    MaterialFile,
    MaterialKind,
    Visibility,
)
from materials.stats import downloads_by_month, downloads_by_unit

PER_PAGE = 20

#: Types a browser may show in the page or in its own viewer: the images, audio and video
#: formats recognised at upload (no SVG, no HTML: those are refused at upload anyway) and
#: PDF. Everything else is sent as an attachment.
INLINE_TYPES = frozenset(
    fmt.detected.mime
    for fmt in FORMATS.values()
    if fmt.detected.family in (Family.IMAGE, Family.AUDIO, Family.VIDEO)
) | {"application/pdf"}
#: Every type the upload check can produce; a stored type outside it (a row edited by
#: hand, an older import) is served as an opaque download.
KNOWN_TYPES = frozenset(fmt.detected.mime for fmt in FORMATS.values())
_EXTENSIONS = {fmt.detected.mime: fmt.detected.ext for fmt in FORMATS.values()}

_DOCUMENT_ICONS = {
    "pdf": "bi-file-earmark-pdf",
    "doc": "bi-file-earmark-word",
    "docx": "bi-file-earmark-word",
    "odt": "bi-file-earmark-word",
    "xls": "bi-file-earmark-excel",
    "xlsx": "bi-file-earmark-excel",
    "ods": "bi-file-earmark-excel",
    "ppt": "bi-file-earmark-ppt",
    "pptx": "bi-file-earmark-ppt",
    "odp": "bi-file-earmark-ppt",
}
_FAMILY_ICONS = {
    Family.IMAGE: "bi-file-earmark-image",
    Family.AUDIO: "bi-file-earmark-music",
    Family.VIDEO: "bi-file-earmark-play",
}
#: Safari and iOS first ask for bytes 0-1 to learn whether ranges work, then for the
#: file from byte 0 again: the probe is not a download.
_PROBE_BYTES = 2


def _count_per_material(queryset, field: str = "material") -> Coalesce:
    """A correlated COUNT per material (no join, so several counts do not multiply)."""
    counts = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _not_found(request: HttpRequest) -> HttpResponse:
    """A missing material, or a login-only one asked for by an anonymous visitor: the
    same answer for both, with a way to log in."""
    if request.user.is_authenticated:
        raise Http404
    return render(request, "materials/library_not_found.html", status=404)


def _visible_material(request: HttpRequest, pk: int) -> Material | None:
    return Material.objects.visible_to(request.user).current().filter(pk=pk).first()


# ---------------------------------------------------------------------------- the list


def library(request: HttpRequest) -> HttpResponse:
    visible = Material.objects.visible_to(request.user).current()
    materials = visible

    languages = list(
        Language.objects.filter(
            pk__in=Edition.languages.through.objects.filter(
                edition__in=Edition.objects.current().filter(material__in=visible)
            ).values("language_id")
        )
    )
    language = request.GET.get("language", "")
    if language not in {lang.code for lang in languages}:
        language = ""
    if language:
        materials = materials.filter(
            pk__in=Edition.objects.current().filter(languages__code=language).values("material_id")
        )

    kind = request.GET.get("kind", "")
    if kind not in MaterialKind.values:
        kind = ""
    if kind:
        materials = materials.filter(kind=kind)

    years = sorted(set(visible.values_list("year", flat=True)), reverse=True)
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and int(year_text) in years else None
    if year is not None:
        materials = materials.filter(year=year)

    query = request.GET.get("q", "").strip()[:200]
    if query:
        materials = materials.search(query)

    # Newest first, then Vietnamese alphabetical order (which SQL cannot do): sort the
    # keys here, then load only the page's materials.
    keys = sorted_by_text(list(materials.values_list("pk", "year", "title")), lambda r: r[2])
    keys.sort(key=lambda r: -r[1])
    page = Paginator([pk for pk, _year, _title in keys], PER_PAGE).get_page(request.GET.get("page"))
    loaded = (
        Material.objects.filter(pk__in=list(page.object_list))
        .annotate(
            n_downloads=_count_per_material(Download.objects.all()),
            n_editions=_count_per_material(Edition.objects.current()),
            n_files=_count_per_material(MaterialFile.objects.current(), "edition__material"),
        )
        .prefetch_related(
            Prefetch("editions", queryset=Edition.objects.current().prefetch_related("languages"))
        )
        .in_bulk()
    )
    rows = []
    for pk in page.object_list:
        material = loaded[pk]
        used = {lang.pk: lang for e in material.editions.all() for lang in e.languages.all()}
        rows.append(
            {
                "material": material,
                "languages": sorted(used.values(), key=lambda lang: (lang.sort_order, lang.name)),
            }
        )

    # The active filters only, for the page links (no empty "q=&kind=" noise).
    filters = QueryDict(mutable=True)
    for key, value in (
        ("q", query),
        ("language", language),
        ("kind", kind),
        ("year", str(year or "")),
    ):
        if value:
            filters[key] = value
    return render(
        request,
        "materials/library.html",
        {
            "page": page,
            "rows": rows,
            "total": len(keys),
            "languages": languages,
            "language": language,
            "kinds": MaterialKind.choices,
            "kind": kind,
            "years": years,
            "year": year,
            "query": query,
            "filters": filters,
            "filtered": bool(filters),
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "ellipsis": Paginator.ELLIPSIS,
            "login_only": Visibility.LOGIN,
        },
    )


# ---------------------------------------------------------------------------- one material


def _describe_file(f: MaterialFile) -> MaterialFile:
    ext = _EXTENSIONS.get(f.mime, "")
    f.type_label = ext.upper() if ext else f.get_family_display()
    f.size_text = human_size(f.size)
    if f.family == Family.DOCUMENT:
        f.icon = _DOCUMENT_ICONS.get(ext, "bi-file-earmark-text")
    else:
        f.icon = _FAMILY_ICONS.get(f.family, "bi-file-earmark")
    # Players and thumbnails only for types the browser is allowed to show in the page.
    f.playable = f.mime in INLINE_TYPES and f.family in (Family.AUDIO, Family.VIDEO)
    f.previewable = f.mime in INLINE_TYPES and f.family == Family.IMAGE
    return f


def library_item(request: HttpRequest, pk: int) -> HttpResponse:
    material = _visible_material(request, pk)
    if material is None:
        return _not_found(request)
    editions = list(
        material.editions.current()
        .prefetch_related(
            "languages",
            Prefetch("files", queryset=MaterialFile.objects.current().order_by("original_name")),
        )
        .order_by("year", "label")
    )
    for edition in editions:
        for f in edition.files.all():
            _describe_file(f)
    user = request.user
    staff = user.is_authenticated and user.can_view_all_classes
    return render(
        request,
        "materials/library_item.html",
        {
            "material": material,
            "editions": editions,
            "total_downloads": material.downloads.count(),
            "by_month": downloads_by_month(material),
            "by_unit": downloads_by_unit(material) if staff else None,
            "staff": staff,
            "login_only": material.visibility == Visibility.LOGIN,
        },
    )


# ---------------------------------------------------------------------------- one file


def counts_as_download(request: HttpRequest, response: HttpResponseBase, size: int) -> bool:
    """A GET answered from the first byte: the whole file (200), or a range from byte 0
    (206) that is more than Safari's two-byte probe."""
    if request.method != "GET" or "preview" in request.GET:
        return False
    if is_delegated(response):
        # The object store or nginx answers the range; it is read from the request.
        span = requested_span(request, size)
        if span is None:
            return False
        first, last = span
        return first == 0 and last + 1 > _PROBE_BYTES
    if response.status_code == 200:
        return True
    if response.status_code != 206:
        return False  # 304, 416, errors
    # "bytes 0-1023/52428800"
    span = response["Content-Range"].removeprefix("bytes ").split("/", 1)[0]
    first, last = (int(n) for n in span.split("-", 1))
    return first == 0 and last + 1 > _PROBE_BYTES


def file_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    coordinator = request.user.is_authenticated and request.user.is_coordinator
    # A withdrawn file is gone for everyone but the coordinator (who checks what was
    # withdrawn): the same 404 as a file that never existed.
    files = MaterialFile.objects.all() if coordinator else MaterialFile.objects.current()
    row = (
        files.select_related("edition__material")
        .filter(pk=pk, edition__material__in=Material.objects.visible_to(request.user))
        .first()
    )
    if row is None:
        return _not_found(request)
    withdrawn = row.is_withdrawn or row.edition.is_withdrawn
    material = row.edition.material
    known = row.mime in KNOWN_TYPES
    response = serve_file(
        request,
        row.file,
        content_type=row.mime if known else "application/octet-stream",
        filename=row.original_name,
        as_attachment=row.mime not in INLINE_TYPES,
        etag=row.sha256 or None,
    )
    if withdrawn:
        response["Cache-Control"] = "private, no-store"
        return response
    if isinstance(response, HttpResponseRedirect):
        pass  # to a presigned address that soon expires: never cached (core.media)
    elif material.visibility == Visibility.LOGIN:
        # Never kept by a shared cache (a proxy in a commune office) for the next visitor.
        response["Cache-Control"] = "private"
    else:
        # A published file is the same for everyone and never changes under its id (its
        # hash is its ETag): worth keeping on a 3G line, logged in or not. Said here, so
        # the no-store rule for logged-in responses (config/middleware.py) leaves it alone.
        response["Cache-Control"] = "public, max-age=3600"
    if counts_as_download(request, response, row.size):
        user = request.user if request.user.is_authenticated else None
        services.download_record(material=material, file=row, user=user)
    return response
