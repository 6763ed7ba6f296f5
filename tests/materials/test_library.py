"""The digital library: who sees what (anonymous visitors: public materials only), the
accent-insensitive search and filters, serving files (types, ranges, names) and counting
downloads once per download, and the small charts on a material's page."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from materials import services
from materials.models import Download, Edition, Language, Material, MaterialFile, MaterialKind

pytestmark = pytest.mark.django_db

# An MP4 video: an ftyp box with a video brand, then 4 000 bytes each telling its offset.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(i % 251 for i in range(4000))


def pdf_bytes(text: str = "so tay") -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
    return buffer.getvalue()


def lang(code: str) -> Language:
    return Language.objects.get(code=code)


def make_material(
    actor, title, kind, year, *, visibility="public", editions=(), description=""
) -> Material:
    """A material through the services (files checked by content, search text kept),
    with editions given as (label, [language codes], [(file name, bytes)])."""
    material = services.material_save(
        actor=actor,
        material=Material(
            title=title, kind=kind, year=year, visibility=visibility, description=description
        ),
    )
    for label, codes, files in editions:
        services.edition_create(
            actor=actor,
            edition=Edition(material=material, label=label, year=year),
            languages=[lang(code) for code in codes],
            uploads=[SimpleUploadedFile(name, content) for name, content in files],
        )
    return material


@pytest.fixture
def library(world):
    """A public handbook in Vietnamese and Hmong, a public video clip, a public picture
    bulletin, a login-only document (Word)."""
    c = world.coordinator
    handbook = make_material(
        c,
        "Sổ tay nghiệp vụ thông tin đối ngoại",
        "handbook",
        2023,
        description="Dành cho cán bộ cơ sở.",
        editions=[
            ("Tiếng Việt", ["vi"], [("Sổ tay (tiếng Việt).pdf", pdf_bytes("vi"))]),
            ("Tiếng Mông", ["hmn"], [("Phau ntawv.pdf", pdf_bytes("hmn"))]),
        ],
    )
    video = make_material(
        c,
        "Phóng sự: Đường biên giới Lai Châu",
        "video",
        2024,
        editions=[("Tiếng Việt", ["vi"], [("Phóng sự biên giới.mp4", MP4)])],
    )
    pictures = make_material(
        c,
        "Bản tin ảnh: Chợ phiên vùng cao",
        "bulletin_image",
        2023,
        editions=[("Tiếng Thái", ["tai"], [("Chợ phiên.png", png_bytes())])],
    )
    secret = make_material(
        c,
        "Quy chế phát ngôn nội bộ",
        "document",
        2023,
        visibility="login",
        editions=[("Tiếng Việt", ["vi"], [("Quy chế phát ngôn.docx", docx_bytes())])],
    )
    return {"handbook": handbook, "video": video, "pictures": pictures, "secret": secret}


def file_of(material: Material) -> MaterialFile:
    return MaterialFile.objects.filter(edition__material=material).order_by("pk").first()


def body(response) -> bytes:
    # The test client closes a streamed response when its content is used up; closing
    # it again here would fire request_finished outside the client, and on PostgreSQL
    # that closes the test's own connection.
    return b"".join(response.streaming_content)


def login(client, world, persona):
    if persona:
        client.force_login(getattr(world, persona))


def titles(response) -> list[str]:
    return [row["material"].title for row in response.context["rows"]]


# ---------------------------------------------------------------------------- visibility

PERSONAS = [None, "coordinator", "viewer", "nominator_a", "trainer", "outsider"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_shows_login_only_materials_to_signed_in_users_only(
    client, world, library, persona
):
    login(client, world, persona)
    response = client.get(reverse("materials:library"))
    assert response.status_code == 200
    html = response.content.decode()
    if persona is None:
        assert "Quy chế phát ngôn nội bộ" not in html
        assert response.context["total"] == 3  # not even counted
        assert "data-login-only" not in html
        assert 'id="library-login-hint"' in html
    else:
        assert "Quy chế phát ngôn nội bộ" in html
        assert response.context["total"] == 4
        card = re.search(rf'data-material="{library["secret"].pk}".*?</article>', html, re.S)
        assert "data-login-only" in card.group(0)
        assert html.count("data-login-only") == 1  # public ones carry no badge


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("which", ["handbook", "secret"])
def test_material_page_and_file_visibility(client, world, library, persona, which):
    login(client, world, persona)
    material = library[which]
    item = client.get(reverse("materials:library-item", args=[material.pk]))
    download = client.get(reverse("materials:file", args=[file_of(material).pk]))
    if persona is None and which == "secret":
        for response in (item, download):
            # The same answer as for a material that does not exist, with a way to log in.
            assert response.status_code == 404
            assert "Quy chế" not in response.content.decode()
            assert reverse("login") in response.content.decode()
        assert not Download.objects.exists()
    else:
        assert item.status_code == 200
        assert material.title in item.content.decode()
        assert download.status_code == 200
        body(download)
        assert Download.objects.count() == 1


def test_a_material_that_does_not_exist_looks_the_same_to_anonymous_visitors(client, library):
    missing = client.get(reverse("materials:library-item", args=[999_999]))
    hidden = client.get(reverse("materials:library-item", args=[library["secret"].pk]))
    assert missing.status_code == hidden.status_code == 404

    def strip(response) -> str:
        path = response.wsgi_request.path
        html = response.content.decode().replace(path, "").replace(quote(path, safe=""), "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)

    assert strip(missing) == strip(hidden)


def test_signed_in_users_get_a_plain_404_for_a_missing_material(client, world, library):
    client.force_login(world.viewer)
    assert client.get(reverse("materials:library-item", args=[999_999])).status_code == 404
    assert client.get(reverse("materials:file", args=[999_999])).status_code == 404


# ---------------------------------------------------------------------------- search, filters


@pytest.mark.parametrize(
    "query, expected",
    [
        ("so tay mong", ["Sổ tay nghiệp vụ thông tin đối ngoại"]),  # language, no accents
        ("SỔ TAY", ["Sổ tay nghiệp vụ thông tin đối ngoại"]),
        ("duong bien gioi", ["Phóng sự: Đường biên giới Lai Châu"]),  # đ without its stroke
        ("cho phien", ["Bản tin ảnh: Chợ phiên vùng cao"]),
        ("quy che", []),  # login-only: not for anonymous visitors
        ("khong co", []),
    ],
)
def test_search_ignores_accents_and_case(client, library, query, expected):
    response = client.get(reverse("materials:library"), {"q": query})
    assert titles(response) == expected
    if not expected:
        assert 'id="library-empty"' in response.content.decode()


def test_signed_in_search_finds_login_only_materials(client, world, library):
    client.force_login(world.trainer)
    response = client.get(reverse("materials:library"), {"q": "quy che phat ngon"})
    assert titles(response) == ["Quy chế phát ngôn nội bộ"]


def test_filters_by_language_kind_and_year(client, library):
    url = reverse("materials:library")
    assert titles(client.get(url, {"language": "hmn"})) == ["Sổ tay nghiệp vụ thông tin đối ngoại"]
    assert titles(client.get(url, {"language": "tai"})) == ["Bản tin ảnh: Chợ phiên vùng cao"]
    assert titles(client.get(url, {"kind": "video"})) == ["Phóng sự: Đường biên giới Lai Châu"]
    assert titles(client.get(url, {"language": "vi", "year": "2023"})) == [
        "Sổ tay nghiệp vụ thông tin đối ngoại"
    ]
    assert titles(client.get(url, {"language": "vi", "kind": "bulletin_image"})) == []
    # Unknown values are ignored rather than emptying the list.
    assert len(titles(client.get(url, {"language": "xx", "kind": "nope", "year": "abc"}))) == 3


def test_only_languages_of_visible_materials_are_offered(client, world, library):
    offered = lambda r: [lang.code for lang in r.context["languages"]]  # noqa: E731
    assert offered(client.get(reverse("materials:library"))) == ["vi", "hmn", "tai"]


def test_the_cards_say_kind_year_languages_editions_files_and_downloads(client, library):
    Download.objects.create(material=library["handbook"])
    Download.objects.create(material=library["handbook"])
    html = client.get(reverse("materials:library")).content.decode()
    card = re.search(rf'data-material="{library["handbook"].pk}".*?</article>', html, re.S).group(0)
    with translation.override("vi"):  # the page's language, translated or not
        assert f"{MaterialKind.HANDBOOK.label} · 2023" in card
    assert "2023" in card
    assert "Tiếng Việt" in card and "Tiếng Mông" in card
    # The number after each icon: editions, files, downloads (whatever the words).
    assert re.search(r'bi-journals"></i> 2\b', card)
    assert re.search(r'bi-files"></i> 2\b', card)
    assert re.search(r'bi-download"></i> 2\b', card)


def test_newest_year_first_then_vietnamese_title_order(client, world):
    for title, year in [
        ("Bản tin số 1", 2023),
        ("Ấn phẩm biên giới", 2023),
        ("An toàn thông tin", 2023),
        ("Đường lên bản", 2023),
        ("Em học tiếng Mông", 2023),
        ("Dân tộc Lự", 2023),
        ("Zô zô", 2024),
    ]:
        make_material(world.coordinator, title, "document", year)
    assert titles(client.get(reverse("materials:library"))) == [
        "Zô zô",
        "An toàn thông tin",
        "Ấn phẩm biên giới",
        "Bản tin số 1",
        "Dân tộc Lự",
        "Đường lên bản",
        "Em học tiếng Mông",
    ]


def test_pagination_keeps_the_filters(client, world):
    for n in range(23):
        make_material(world.coordinator, f"Bản tin số {n:02d}", "bulletin_text", 2023)
    make_material(world.coordinator, "Sổ tay", "handbook", 2023)
    url = reverse("materials:library")
    first = client.get(url, {"kind": "bulletin_text", "q": "ban tin"})
    assert first.context["total"] == 23
    assert len(first.context["rows"]) == 20
    html = first.content.decode()
    assert 'href="?q=ban+tin&amp;kind=bulletin_text&amp;page=2"' in html
    second = client.get(url, {"kind": "bulletin_text", "q": "ban tin", "page": "2"})
    assert titles(second) == ["Bản tin số 20", "Bản tin số 21", "Bản tin số 22"]
    # A page number out of range shows the last page rather than an error.
    assert titles(client.get(url, {"kind": "bulletin_text", "page": "99"}))[0] == "Bản tin số 20"


# ---------------------------------------------------------------------------- serving files


def test_a_range_request_to_a_video_is_206_with_the_exact_bytes_and_counts_once(
    client, world, library
):
    f = file_of(library["video"])
    url = reverse("materials:file", args=[f.pk])

    first = client.get(url, headers={"range": "bytes=0-99"})
    assert first.status_code == 206
    assert body(first) == MP4[:100]
    assert first["Content-Range"] == f"bytes 0-99/{len(MP4)}"
    assert first["Content-Type"] == "video/mp4"
    assert first["Accept-Ranges"] == "bytes"
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first["Content-Disposition"].startswith("inline;")
    assert Download.objects.count() == 1

    # The player seeks: more ranges, not from the start, count nothing.
    seek = client.get(url, headers={"range": "bytes=2000-2999"})
    assert seek.status_code == 206
    assert body(seek) == MP4[2000:3000]
    tail = client.get(url, headers={"range": "bytes=-500"})
    assert body(tail) == MP4[-500:]
    assert Download.objects.count() == 1
    download = Download.objects.get()
    assert download.material == library["video"] and download.file == f
    assert download.user is None and download.organisation is None


def test_safaris_two_byte_probe_does_not_count_but_its_real_request_does(client, library):
    url = reverse("materials:file", args=[file_of(library["video"]).pk])
    probe = client.get(url, headers={"range": "bytes=0-1"})
    assert probe.status_code == 206 and body(probe) == MP4[:2]
    assert Download.objects.count() == 0
    body(client.get(url, headers={"range": "bytes=0-"}))
    assert Download.objects.count() == 1


def test_a_full_download_counts_with_the_users_unit(client, world, library):
    client.force_login(world.nominator_a)
    f = file_of(library["handbook"])
    response = client.get(reverse("materials:file", args=[f.pk]))
    assert response.status_code == 200
    assert body(response) == f.file.open("rb").read()
    assert response["Content-Type"] == "application/pdf"
    # The Vietnamese name, and an ASCII one for old clients; PDF opens in the browser.
    assert response["Content-Disposition"] == (
        "inline; filename=\"So tay (tieng Viet).pdf\"; filename*=UTF-8''"
        + quote("Sổ tay (tiếng Việt).pdf", safe="!#$&+-.^_`|~")
    )
    assert response["ETag"] == f'"{f.sha256}"'
    download = Download.objects.get()
    assert download.user == world.nominator_a
    assert download.organisation == world.unit_a
    assert download.material == library["handbook"]


def test_head_and_not_modified_do_not_count(client, library):
    url = reverse("materials:file", args=[file_of(library["handbook"]).pk])
    head = client.head(url)
    assert head.status_code == 200
    assert head["Content-Length"] == str(file_of(library["handbook"]).size)
    assert Download.objects.count() == 0
    full = client.get(url)
    body(full)
    assert Download.objects.count() == 1
    again = client.get(url, headers={"if-none-match": full["ETag"]})
    assert again.status_code == 304
    beyond = client.get(url, headers={"range": "bytes=999999-"})
    assert beyond.status_code == 416
    assert Download.objects.count() == 1


def test_office_documents_are_attachments_and_login_only_files_are_private(client, world, library):
    client.force_login(world.viewer)
    response = client.get(reverse("materials:file", args=[file_of(library["secret"]).pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Cache-Control"] == "private"
    body(response)
    public = client.get(reverse("materials:file", args=[file_of(library["handbook"]).pk]))
    assert "private" not in public.get("Cache-Control", "")
    body(public)


@pytest.mark.parametrize("mime", ["text/html", "image/svg+xml", "application/xhtml+xml", ""])
def test_a_stored_type_outside_the_known_list_is_never_shown_inline(client, library, mime):
    f = file_of(library["handbook"])
    MaterialFile.objects.filter(pk=f.pk).update(mime=mime)
    response = client.get(reverse("materials:file", args=[f.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body(response)


def test_images_are_inline_and_their_thumbnail_does_not_count(client, library):
    f = file_of(library["pictures"])
    url = reverse("materials:file", args=[f.pk])
    page = client.get(reverse("materials:library-item", args=[library["pictures"].pk]))
    assert f'src="{url}?preview=1"' in page.content.decode()
    thumb = client.get(url, {"preview": "1"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    assert thumb["Content-Disposition"].startswith("inline;")
    body(thumb)
    assert Download.objects.count() == 0
    body(client.get(url))
    assert Download.objects.count() == 1


# ---------------------------------------------------------------------------- the item page


def test_the_page_lists_editions_files_with_players_and_human_sizes(client, world, library):
    video_file = file_of(library["video"])
    MaterialFile.objects.filter(pk=video_file.pk).update(size=2_520_000)  # 2.403 MiB
    html = client.get(reverse("materials:library-item", args=[library["video"].pk])).content
    html = html.decode()
    url = reverse("materials:file", args=[video_file.pk])
    # preload="none": a browser preloading metadata asks for bytes 0- as soon as the page
    # shows, which would count every visit as a download; the first play counts instead.
    assert f'<video class="rounded bg-black" controls preload="none" src="{url}"' in html
    assert "Phóng sự biên giới.mp4" in html
    assert "2,4 MB" in html  # Vietnamese decimal comma
    assert "MP4" in html and "bi-file-earmark-play" in html

    handbook = client.get(reverse("materials:library-item", args=[library["handbook"].pk]))
    text = handbook.content.decode()
    assert "Dành cho cán bộ cơ sở." in text
    assert "Tiếng Mông" in text and "Phau ntawv.pdf" in text
    assert "bi-file-earmark-pdf" in text
    assert "<video" not in text and "<audio" not in text


def test_audio_files_get_a_player_that_loads_nothing_until_played(client, world):
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 800)
    bulletin = make_material(
        world.coordinator,
        "Bản tin phát thanh tiếng Mông số 3",
        "bulletin_audio",
        2023,
        editions=[("Tiếng Mông", ["hmn"], [("Bản tin số 3.wav", buffer.getvalue())])],
    )
    html = client.get(reverse("materials:library-item", args=[bulletin.pk])).content.decode()
    url = reverse("materials:file", args=[file_of(bulletin).pk])
    assert f'<audio class="w-100 mt-2" controls preload="none" src="{url}"' in html


def chart(html: str, chart_id: str) -> dict[str, int]:
    """The bars of one chart as {label: number}, read from the text shown for each bar."""
    block = re.search(rf'id="{chart_id}".*?</figure>', html, re.S).group(0)
    rows = re.findall(
        r'<span class="bar-label[^"]*">(.*?)</span>\s*'
        r'<span class="bar-value[^"]*">(\d+)</span>.*?aria-label="([^"]*)"',
        block,
        re.S,
    )
    result = {}
    for label, number, aria in rows:
        assert aria == f"{label}: {number}"  # the accessible name says the same
        result[label] = int(number)
    assert len(result) == block.count("<li")
    return result


@pytest.fixture
def downloads(world, library):
    tz = timezone.get_current_timezone()
    handbook = library["handbook"]
    at = lambda y, m, d: datetime.datetime(y, m, d, 10, tzinfo=tz)  # noqa: E731
    for when, user in [
        (at(2023, 9, 5), world.nominator_a),
        (at(2023, 9, 20), world.nominator_a),
        (at(2023, 9, 21), world.nominator_b),
        (at(2023, 10, 2), None),
        (at(2023, 10, 3), world.nominator_a),
        (at(2023, 12, 1), None),
    ]:
        Download.objects.create(
            material=handbook,
            file=file_of(handbook),
            user=user,
            organisation=user.organisation if user else None,
            at=when,
        )
    Download.objects.create(material=library["video"], at=at(2023, 9, 1))  # another material
    return handbook


@pytest.mark.parametrize("persona", ["coordinator", "viewer"])
def test_staff_see_downloads_by_month_and_by_unit(client, world, downloads, persona):
    client.force_login(getattr(world, persona))
    html = client.get(reverse("materials:library-item", args=[downloads.pk])).content.decode()
    assert re.search(r'id="downloads".*?<h2[^>]*>.*?\b6\b', html, re.S)
    # November had no downloads: it is shown as 0, not left out.
    assert chart(html, "chart-month") == {"09/2023": 3, "10/2023": 2, "11/2023": 0, "12/2023": 1}
    by_unit = chart(html, "chart-unit")
    assert by_unit["UBND huyện Mường Tè"] == 3
    assert by_unit["UBND huyện Phong Thổ"] == 1
    assert sum(by_unit.values()) == 6
    assert next(iter(by_unit)) == "UBND huyện Mường Tè"  # largest first


@pytest.mark.parametrize("persona", [None, "nominator_a", "trainer", "outsider"])
def test_others_see_the_month_chart_but_not_the_units(client, world, downloads, persona):
    login(client, world, persona)
    html = client.get(reverse("materials:library-item", args=[downloads.pk])).content.decode()
    # November had no downloads: it is shown as 0, not left out.
    assert chart(html, "chart-month") == {"09/2023": 3, "10/2023": 2, "11/2023": 0, "12/2023": 1}
    assert 'id="chart-unit"' not in html
    assert "UBND huyện Phong Thổ" not in html


def test_the_bars_are_drawn_to_scale_with_unlocalised_widths(client, downloads):
    html = client.get(reverse("materials:library-item", args=[downloads.pk])).content.decode()
    widths = re.findall(
        r'<rect x="0" y="0" width="([^"]+)" height="8" rx="1" fill="currentColor"/>', html
    )
    # 3, 2, 1 of a largest 3: 100 %, 66.7 %, 33.3 % — with a dot even in Vietnamese.
    assert widths == ["100.0", "66.7", "33.3"]


def test_no_downloads_yet(client, library):
    html = client.get(reverse("materials:library-item", args=[library["video"].pk])).content
    assert chart(html.decode(), "chart-month") == {}
    block = re.search(r'id="chart-month".*?</figure>', html.decode(), re.S).group(0)
    assert "<svg" not in block and '<p class="small text-secondary' in block


def test_an_anonymous_range_of_five_thousand_digits_is_416_not_500(client, world, library):
    f = file_of(library["video"])
    url = reverse("materials:file", args=[f.pk])

    response = client.get(url, headers={"range": "bytes=" + "9" * 5000 + "-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(MP4)}"
    assert Download.objects.count() == 0
