"""Printed distribution: the plan per recipient (and its quick fill), dispatches, signed
receipts with their private scan, the outstanding list and the totals."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from materials import services
from materials.models import Dispatch, DistributionLine, Edition, Material
from tests import factories as f
from tests.materials.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test stores its files in its own folder, so "nothing stored" can be checked
    by listing it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _files(root) -> set[str]:
    root = Path(root)
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def recipients(world):
    """Three border posts and three cultural houses (two in Region III communes) under
    Mường Tè (world.unit_a), and one border post under Phong Thổ (world.unit_b)."""

    def org(name, kind, parent, **flags):
        return f.organisation(name=name, kind=kind, parent=parent, can_nominate=False, **flags)

    return {
        "pa_u": org("Đồn Biên phòng Pa Ủ", "border_post", world.unit_a, is_border=True),
        "ka_lang": org("Đồn Biên phòng Ka Lăng", "border_post", world.unit_a, is_border=True),
        "mu_ca": org("Đồn Biên phòng Mù Cả", "border_post", world.unit_a, is_border=True),
        "si_lo_lau": org("Đồn Biên phòng Sì Lở Lầu", "border_post", world.unit_b, is_border=True),
        "nvh_pa_u": org("Nhà văn hóa xã Pa Ủ", "cultural_house", world.unit_a, is_region_iii=True),
        "nvh_thu_lum": org(
            "Nhà văn hóa xã Thu Lũm", "cultural_house", world.unit_a, is_region_iii=True
        ),
        "nvh_town": org("Nhà văn hóa thị trấn Mường Tè", "cultural_house", world.unit_a),
    }


@pytest.fixture
def edition(handbook):
    return handbook.editions.get()  # 300 copies printed


def _line(edition, recipient, planned):
    return DistributionLine.objects.create(edition=edition, recipient=recipient, planned=planned)


def _dispatch(line, quantity, on="2023-11-01", carrier="Bưu điện tỉnh", **receipt):
    return Dispatch.objects.create(
        line=line, dispatched_on=on, quantity=quantity, carrier=carrier, **receipt
    )


def _planned(edition) -> dict[str, int]:
    return dict(
        DistributionLine.objects.filter(edition=edition).values_list("recipient__name", "planned")
    )


# ---------------------------------------------------------------------------- access


@pytest.fixture
def scanned(world, edition, recipients):
    line = _line(edition, recipients["pa_u"], 20)
    dispatch = _dispatch(line, 20)
    services.receipt_record(
        actor=world.coordinator,
        dispatch=dispatch,
        received_on=datetime.date(2023, 11, 6),
        received_by="Thào A Sử",
        received_quantity=20,
        scan=upload("bien-nhan.png", png_bytes(), "image/png"),
    )
    return line, dispatch


PERSONAS = ["anonymous", "outsider", "nominator_a", "trainer", "viewer", "coordinator"]

# fmt: off
EXPECTED = {
    #                  anon outs nomA trnr view coord
    "plan":           (302, 403, 403, 403, 200, 200),
    "plan-post":      (302, 403, 403, 403, 403, 302),
    "dispatch":       (302, 403, 403, 403, 403, 200),
    "dispatch-post":  (302, 403, 403, 403, 403, 302),
    "receipt":        (302, 403, 403, 403, 403, 200),
    "receipt-post":   (302, 403, 403, 403, 403, 302),
    "receipt-scan":   (302, 403, 403, 403, 200, 200),
    "outstanding":    (302, 403, 403, 403, 200, 200),
    "totals":         (302, 403, 403, 403, 200, 200),
}
# fmt: on


def _requests(edition, line, dispatch, recipients):
    return {
        "plan": ("get", reverse("materials:distribution-plan", args=[edition.pk]), None),
        "plan-post": (
            "post",
            reverse("materials:distribution-plan", args=[edition.pk]),
            {"action": "plan", f"r{recipients['ka_lang'].pk}": "5"},
        ),
        "dispatch": ("get", reverse("materials:dispatch-create", args=[line.pk]), None),
        "dispatch-post": (
            "post",
            reverse("materials:dispatch-create", args=[line.pk]),
            {"dispatched_on": "01/11/2023", "quantity": "1", "carrier": "Bưu điện"},
        ),
        "receipt": ("get", reverse("materials:receipt", args=[dispatch.pk]), None),
        "receipt-post": (
            "post",
            reverse("materials:receipt", args=[dispatch.pk]),
            {"received_on": "06/11/2023", "received_by": "Thào A Sử", "received_quantity": "20"},
        ),
        "receipt-scan": ("get", reverse("materials:receipt-scan", args=[dispatch.pk]), None),
        "outstanding": ("get", reverse("materials:outstanding"), None),
        "totals": ("get", reverse("materials:totals"), None),
    }


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_distribution_page_access(client, world, edition, recipients, scanned, page, persona):
    line, dispatch = scanned
    line.planned = 30  # room for the one-copy dispatch
    line.save()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    method, url, data = _requests(edition, line, dispatch, recipients)[page]
    response = getattr(client, method)(url, data or {})
    assert response.status_code == EXPECTED[page][PERSONAS.index(persona)], f"{persona} {page}"
    if response.status_code == 403 and method == "post":
        assert Dispatch.objects.count() == 1
        assert _planned(edition) == {"Đồn Biên phòng Pa Ủ": 30}


# ---------------------------------------------------------------------------- plan


def test_coordinator_plans_through_the_page(client, world, edition, recipients):
    client.force_login(world.coordinator)
    url = reverse("materials:distribution-plan", args=[edition.pk])
    page = client.get(url).content.decode()
    # Every candidate has a quantity input, grouped.
    for org in recipients.values():
        assert f'name="r{org.pk}"' in page
    assert page.index('id="group-border_posts"') < page.index('id="group-cultural_houses"')
    assert page.index('id="group-cultural_houses"') < page.index('id="group-other"')

    response = client.post(
        url,
        {
            "action": "plan",
            f"r{recipients['pa_u'].pk}": "40",
            f"r{recipients['nvh_pa_u'].pk}": "10",
            f"r{recipients['ka_lang'].pk}": "",
        },
    )
    assert response.status_code == 302
    assert _planned(edition) == {"Đồn Biên phòng Pa Ủ": 40, "Nhà văn hóa xã Pa Ủ": 10}
    line = DistributionLine.objects.get(recipient=recipients["pa_u"])
    assert line.created_by == world.coordinator

    # The page shows it back, prefilled, with the totals.
    page = client.get(url).content.decode()
    assert f'name="r{recipients["pa_u"].pk}" value="40"' in page
    assert 'data-total="planned">50<' in page and 'data-total="printed">300<' in page

    # 0 (or empty) takes a recipient not sent anything out of the plan.
    client.post(url, {"action": "plan", f"r{recipients['nvh_pa_u'].pk}": "0"})
    assert _planned(edition) == {"Đồn Biên phòng Pa Ủ": 40}


def test_a_shorter_page_never_removes_the_recipients_it_does_not_show(
    client, world, edition, recipients
):
    _line(edition, recipients["pa_u"], 40)
    _line(edition, recipients["mu_ca"], 25)
    client.force_login(world.coordinator)
    url = reverse("materials:distribution-plan", args=[edition.pk]) + "?only=planned"
    page = client.get(url).content.decode()
    assert f'name="r{recipients["ka_lang"].pk}"' not in page  # not in the plan: not listed
    client.post(url, {"action": "plan", f"r{recipients['pa_u'].pk}": "45"})
    assert _planned(edition) == {"Đồn Biên phòng Pa Ủ": 45, "Đồn Biên phòng Mù Cả": 25}


def test_quick_fill_by_kind_flag_and_district(client, world, edition, recipients):
    client.force_login(world.coordinator)
    url = reverse("materials:distribution-plan", args=[edition.pk])
    _line(edition, recipients["pa_u"], 50)  # overwritten by the quick fill

    client.post(url, {"action": "fill", "copies": "15", "target": "border_posts"})
    assert _planned(edition) == {
        "Đồn Biên phòng Pa Ủ": 15,
        "Đồn Biên phòng Ka Lăng": 15,
        "Đồn Biên phòng Mù Cả": 15,
        "Đồn Biên phòng Sì Lở Lầu": 15,
    }

    client.post(url, {"action": "fill", "copies": "8", "target": "cultural_houses_region_iii"})
    planned = _planned(edition)
    assert planned["Nhà văn hóa xã Pa Ủ"] == planned["Nhà văn hóa xã Thu Lũm"] == 8
    assert "Nhà văn hóa thị trấn Mường Tè" not in planned  # not a Region III commune

    # Every recipient under Phong Thổ: only its border post.
    response = client.post(
        url,
        {"action": "fill", "copies": "30", "target": f"district:{world.unit_b.pk}"},
        follow=True,
    )
    assert _planned(edition)["Đồn Biên phòng Sì Lở Lầu"] == 30
    assert _planned(edition)["Đồn Biên phòng Pa Ủ"] == 15
    assert "30" in [str(m) for m in response.context["messages"]][-1]

    # 0 takes every cultural house out again.
    client.post(url, {"action": "fill", "copies": "0", "target": "cultural_houses"})
    assert not any(name.startswith("Nhà văn hóa") for name in _planned(edition))


def test_plan_below_copies_sent_is_refused_on_its_row(client, world, edition, recipients):
    line = _line(edition, recipients["pa_u"], 20)
    _dispatch(line, 12)
    client.force_login(world.coordinator)
    url = reverse("materials:distribution-plan", args=[edition.pk])
    response = client.post(
        url,
        {
            "action": "plan",
            f"r{recipients['pa_u'].pk}": "5",
            f"r{recipients['ka_lang'].pk}": "10",
        },
    )
    assert response.status_code == 200
    errors = response.context["plan_form"].errors
    assert list(errors) == [f"r{recipients['pa_u'].pk}"]
    assert "12" in errors[f"r{recipients['pa_u'].pk}"][0]
    assert _planned(edition) == {"Đồn Biên phòng Pa Ủ": 20}  # nothing saved, not even Ka Lăng

    # The quick fill goes through the service, which refuses it the same way.
    response = client.post(url, {"action": "fill", "copies": "0", "target": "border_posts"})
    assert _planned(edition) == {"Đồn Biên phòng Pa Ủ": 20}


def test_plan_above_the_print_run_is_saved_with_a_warning(client, world, edition, recipients):
    client.force_login(world.coordinator)
    url = reverse("materials:distribution-plan", args=[edition.pk])
    response = client.post(
        url, {"action": "fill", "copies": "100", "target": "border_posts"}, follow=True
    )
    assert sum(_planned(edition).values()) == 400
    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["success", "warning"]
    page = response.content.decode()
    assert 'id="over-print-run"' in page and "100" in page


def test_viewer_reads_the_plan_without_inputs(client, world, edition, recipients):
    line = _line(edition, recipients["pa_u"], 20)
    _dispatch(line, 20)
    client.force_login(world.viewer)
    page = client.get(reverse("materials:distribution-plan", args=[edition.pk])).content.decode()
    assert "Đồn Biên phòng Pa Ủ" in page
    assert "Đồn Biên phòng Ka Lăng" not in page  # only recipients in the plan
    assert 'type="number"' not in page and "quick-fill" not in page
    assert reverse("materials:receipt", args=[line.dispatches.get().pk]) not in page


# ---------------------------------------------------------------------------- dispatch


def test_dispatch_through_the_page_and_above_the_plan_refused(client, world, edition, recipients):
    line = _line(edition, recipients["pa_u"], 20)
    client.force_login(world.coordinator)
    url = reverse("materials:dispatch-create", args=[line.pk])
    form = client.get(url).context["form"]
    assert form.initial["quantity"] == 20

    data = {"dispatched_on": "01/11/2023", "quantity": "15", "carrier": "Bưu điện tỉnh"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#line-{line.pk}")
    dispatch = Dispatch.objects.get()
    assert (dispatch.quantity, dispatch.dispatched_on, dispatch.recorded_by) == (
        15,
        datetime.date(2023, 11, 1),
        world.coordinator,
    )

    response = client.post(url, {**data, "quantity": "10"})
    assert response.status_code == 200
    with translation.override("vi"):
        expected = translation.gettext(
            "Only %(left)s of the %(planned)s planned copies are left to send to this"
            " recipient; raise the plan first."
        ) % {"left": 5, "planned": 20}
    assert response.context["form"].errors["quantity"] == [expected]
    assert expected in response.content.decode()
    assert Dispatch.objects.count() == 1


# ---------------------------------------------------------------------------- receipt


def test_receipt_above_the_copies_sent_is_refused_and_stores_nothing(
    client, world, edition, recipients, media
):
    line = _line(edition, recipients["pa_u"], 20)
    dispatch = _dispatch(line, 10)
    before_files = _files(media)
    before_row = Dispatch.objects.filter(pk=dispatch.pk).values().get()
    client.force_login(world.coordinator)
    response = client.post(
        reverse("materials:receipt", args=[dispatch.pk]),
        {
            "received_on": "06/11/2023",
            "received_by": "Thào A Sử",
            "received_quantity": "12",
            "scan": upload("bien-nhan.png", png_bytes(), "image/png"),
        },
    )
    assert response.status_code == 200
    with translation.override("vi"):
        expected = translation.gettext(
            "%(received)s copies cannot have been received: only %(sent)s were sent."
        ) % {"received": 12, "sent": 10}
    form = response.context["form"]
    assert form.errors["received_quantity"] == [expected]
    assert list(form.errors) == ["received_quantity"]
    # Shown under the field (crispy puts the message right after the input).
    page = response.content.decode()
    field = page[page.index('id="div_id_received_quantity"') :]
    assert expected in field[: field.index('id="div_id_scan"')]
    assert Dispatch.objects.filter(pk=dispatch.pk).values().get() == before_row
    assert _files(media) == before_files


def test_a_file_that_is_not_a_scan_is_refused_on_the_field(
    client, world, edition, recipients, media
):
    dispatch = _dispatch(_line(edition, recipients["pa_u"], 20), 10)
    before = _files(media)
    client.force_login(world.coordinator)
    response = client.post(
        reverse("materials:receipt", args=[dispatch.pk]),
        {
            "received_on": "06/11/2023",
            "received_by": "Thào A Sử",
            "received_quantity": "10",
            "scan": upload("bien-nhan.pdf", b"<html><script>alert(1)</script></html>"),
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["scan"]
    dispatch.refresh_from_db()
    assert dispatch.received_on is None and not dispatch.receipt_scan
    assert _files(media) == before


def test_receipt_with_a_photo_is_stored_privately_and_served_back(
    client, world, edition, recipients, media
):
    line = _line(edition, recipients["pa_u"], 20)
    dispatch = _dispatch(line, 20)
    photo = png_bytes()
    before = _files(media)
    client.force_login(world.coordinator)
    url = reverse("materials:receipt", args=[dispatch.pk])
    assert 'accept="image/*,application/pdf"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "received_on": "06/11/2023",
            "received_by": "Thào A Sử",
            "received_quantity": "18",
            "scan": upload("ảnh biên nhận.png", photo, "image/png"),
        },
    )
    assert response.status_code == 302
    dispatch.refresh_from_db()
    assert (dispatch.received_on, dispatch.received_by, dispatch.received_quantity) == (
        datetime.date(2023, 11, 6),
        "Thào A Sử",
        18,
    )
    assert dispatch.receipt_scan.name.startswith(f"private/receipts/{edition.pk}/")
    assert _files(media) - before == {dispatch.receipt_scan.name}

    client.force_login(world.viewer)
    response = client.get(reverse("materials:receipt-scan", args=[dispatch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == photo
    # The stored name leads nowhere without the view.
    assert client.get("/media/" + dispatch.receipt_scan.name).status_code == 404
    # The plan links to it.
    page = client.get(reverse("materials:distribution-plan", args=[edition.pk])).content.decode()
    assert reverse("materials:receipt-scan", args=[dispatch.pk]) in page


def test_no_scan_is_a_404(client, world, edition, recipients):
    dispatch = _dispatch(_line(edition, recipients["pa_u"], 20), 10)
    client.force_login(world.viewer)
    assert client.get(reverse("materials:receipt-scan", args=[dispatch.pk])).status_code == 404


# ---------------------------------------------------------------------------- outstanding


def _rows(page: str) -> list[tuple[int, str]]:
    return [
        (int(line), kind) for line, kind in re.findall(r'data-line="(\d+)" data-kind="(\w+)"', page)
    ]


def test_outstanding_lists_exactly_the_unconfirmed_lines(client, world, edition, recipients):
    r = recipients
    received = {"received_on": "2023-11-10", "received_by": "Lò Văn Pành"}
    unsent = _line(edition, r["pa_u"], 10)  # nothing sent yet
    confirmed = _line(edition, r["ka_lang"], 10)
    _dispatch(confirmed, 10, received_quantity=10, **received)
    awaiting = _line(edition, r["mu_ca"], 10)
    _dispatch(awaiting, 10, on="2023-11-01")
    short = _line(edition, r["nvh_pa_u"], 10)
    _dispatch(short, 10, received_quantity=8, **received)
    partly = _line(edition, r["nvh_thu_lum"], 10)  # 6 received, 4 still to send
    _dispatch(partly, 6, received_quantity=6, **received)
    older = _line(edition, r["si_lo_lau"], 10)  # sent earlier: first in the list
    _dispatch(older, 5, on="2023-10-15", carrier="Xe của Sở")
    _dispatch(older, 5, on="2023-11-03", received_quantity=5, **received)
    done = _line(edition, r["nvh_town"], 5)
    _dispatch(done, 3, received_quantity=3, **received)
    _dispatch(done, 2, received_quantity=2, **received)

    other_edition = Edition.objects.create(
        material=edition.material, label="Tiếng Mông, in lần 1", year=2023, printed_copies=50
    )
    elsewhere = _line(other_edition, r["pa_u"], 5)

    client.force_login(world.viewer)
    response = client.get(reverse("materials:outstanding"))
    assert response.context["count"] == 6
    page = response.content.decode()
    rows = _rows(page)
    assert {line for line, _ in rows} == {
        unsent.pk,
        awaiting.pk,
        short.pk,
        partly.pk,
        older.pk,
        elsewhere.pk,
    }
    # Grouped by edition (the one with the oldest dispatch first); within it, copies on
    # the way oldest first, then short receipts, then copies not sent yet by name.
    assert rows == [
        (older.pk, "awaiting"),  # 15/10/2023
        (awaiting.pk, "awaiting"),  # 01/11/2023
        (short.pk, "short"),
        (unsent.pk, "unsent"),  # Đồn Biên phòng Pa Ủ, before
        (short.pk, "unsent"),  # the 2 copies lost on the way may be sent again
        (partly.pk, "unsent"),  # Nhà văn hóa xã Thu Lũm (Vietnamese order)
        (elsewhere.pk, "unsent"),
    ]
    # Who must be chased, where, by which carrier, since when.
    days = (timezone.localdate() - datetime.date(2023, 10, 15)).days
    row = page[page.index(f'data-line="{older.pk}"') :]
    row = row[: row.index("</tr>")]
    for text in ["Đồn Biên phòng Sì Lở Lầu", world.unit_b.name, "15/10/2023", "Xe của Sở"]:
        assert text in row
    assert f">{days}<" in row and ">5<" in row

    # Filtered by edition.
    page = client.get(reverse("materials:outstanding"), {"edition": other_edition.pk})
    assert {line for line, _ in _rows(page.content.decode())} == {elsewhere.pk}


def test_nothing_outstanding(client, world, edition, recipients):
    line = _line(edition, recipients["pa_u"], 4)
    _dispatch(line, 4, received_on="2023-11-03", received_by="Lò A Chú", received_quantity=4)
    client.force_login(world.coordinator)
    page = client.get(reverse("materials:outstanding")).content.decode()
    assert _rows(page) == [] and 'id="nothing-outstanding"' in page


# ---------------------------------------------------------------------------- totals


def _cells(page: str, attribute: str, key) -> dict[str, str]:
    start = page.index(f'{attribute}="{key}"')
    row = page[start : page.index("</tr>", start)]
    return dict(re.findall(r'data-col="(\w+)"[^>]*>([^<]*)<', row))


def test_totals_per_edition_language_and_grand_match_the_database(
    client, world, edition, recipients, languages
):
    r = recipients
    bilingual = Edition.objects.create(
        material=edition.material, label="Song ngữ Việt – Mông", year=2023, printed_copies=120
    )
    bilingual.languages.set([languages["vi"], languages["hmn"]])
    bulletin = Material.objects.create(title="Bản tin biên giới", kind="bulletin_text", year=2023)
    hmong = Edition.objects.create(
        material=bulletin, label="Tiếng Mông", year=2023, printed_copies=40
    )
    hmong.languages.set([languages["hmn"]])
    later = Edition.objects.create(
        material=bulletin, label="In lần 2", year=2024, printed_copies=10
    )
    later.languages.set([languages["vi"]])
    digital = Edition.objects.create(material=bulletin, label="Bản điện tử", year=2023)
    digital.languages.set([languages["vi"]])

    received = {"received_on": "2023-11-10", "received_by": "Lò Văn Pành"}
    a = _line(edition, r["pa_u"], 40)
    _dispatch(a, 30, received_quantity=30, **received)
    _dispatch(a, 10)
    b = _line(edition, r["ka_lang"], 20)
    _dispatch(b, 20, received_quantity=20, **received)
    c = _line(bilingual, r["nvh_pa_u"], 15)
    _dispatch(c, 15, received_quantity=12, **received)
    _line(bilingual, r["nvh_thu_lum"], 15)
    d = _line(hmong, r["mu_ca"], 25)
    _dispatch(d, 25, received_quantity=25, **received)
    e = _line(later, r["pa_u"], 10)
    _dispatch(e, 10, on="2024-03-01")

    # The expected numbers, counted here row by row.
    def expected(ed):
        lines = list(DistributionLine.objects.filter(edition=ed))
        sent = received_ = confirmed = 0
        for line in lines:
            ds = list(Dispatch.objects.filter(line=line))
            got = sum(x.received_quantity or 0 for x in ds)
            sent += sum(x.quantity for x in ds)
            received_ += got
            confirmed += all(x.received_on for x in ds) and got >= line.planned
        return {
            "printed": ed.printed_copies,
            "planned": sum(line.planned for line in lines),
            "sent": sent,
            "received": received_,
            "confirmed": confirmed,
            "recipients": len(lines),
        }

    def shown(p):
        return {
            "printed": str(p["printed"]),
            "planned": str(p["planned"]),
            "sent": str(p["sent"]),
            "received": str(p["received"]),
            "confirmed": f"{p['confirmed']}/{p['recipients']}",
        }

    def add(*ps):
        return {k: sum(p[k] for p in ps) for k in ps[0]}

    ex = {ed.pk: expected(ed) for ed in [edition, bilingual, hmong, later]}
    assert ex[edition.pk] == {
        "printed": 300,
        "planned": 60,
        "sent": 60,
        "received": 50,
        "confirmed": 1,
        "recipients": 2,
    }  # the counting above is itself right

    client.force_login(world.viewer)
    page = client.get(reverse("materials:totals")).content.decode()
    for ed in [edition, bilingual, hmong, later]:
        assert _cells(page, "data-edition", ed.pk) == shown(ex[ed.pk]), ed.label
    assert f'data-edition="{digital.pk}"' not in page  # nothing printed, nothing planned
    assert _cells(page, "id", "grand-total") == shown(add(*ex.values()))
    vi = add(ex[edition.pk], ex[bilingual.pk], ex[later.pk])
    hmn = add(ex[bilingual.pk], ex[hmong.pk])
    assert _cells(page, "data-language", "vi") == {**shown(vi), "editions": "3"}
    assert _cells(page, "data-language", "hmn") == {**shown(hmn), "editions": "2"}
    assert 'id="bilingual-note"' in page

    # One year only.
    page = client.get(reverse("materials:totals"), {"year": 2023}).content.decode()
    assert f'data-edition="{later.pk}"' not in page
    assert _cells(page, "id", "grand-total") == shown(
        add(ex[edition.pk], ex[bilingual.pk], ex[hmong.pk])
    )
    assert _cells(page, "data-language", "vi")["editions"] == "2"


def test_copies_lost_on_the_way_can_be_sent_again_and_the_line_confirmed(
    world, edition, recipients
):
    from materials import services
    from materials.distribution import outstanding_lines

    line = _line(edition, recipients["ka_lang"], 10)
    first = services.dispatch_record(
        actor=world.coordinator,
        line=line,
        dispatched_on=datetime.date(2023, 11, 1),
        quantity=10,
        carrier="Bưu điện",
    )
    services.receipt_record(
        actor=world.coordinator,
        dispatch=first,
        received_on=datetime.date(2023, 11, 4),
        received_by="Thào A Sử",
        received_quantity=8,
    )
    with pytest.raises(ValidationError):  # more than the 2 that went missing
        services.dispatch_record(
            actor=world.coordinator,
            line=line,
            dispatched_on=datetime.date(2023, 11, 6),
            quantity=3,
            carrier="Bưu điện",
        )
    again = services.dispatch_record(
        actor=world.coordinator,
        line=line,
        dispatched_on=datetime.date(2023, 11, 6),
        quantity=2,
        carrier="Bưu điện",
    )
    assert line in outstanding_lines()
    services.receipt_record(
        actor=world.coordinator,
        dispatch=again,
        received_on=datetime.date(2023, 11, 9),
        received_by="Thào A Sử",
        received_quantity=2,
    )
    assert line not in outstanding_lines()


def test_dates_in_the_future_are_refused(world, edition, recipients):
    from materials import services

    line = _line(edition, recipients["ka_lang"], 10)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.dispatch_record(
            actor=world.coordinator,
            line=line,
            dispatched_on=tomorrow,
            quantity=1,
            carrier="Bưu điện",
        )
    assert "dispatched_on" in excinfo.value.message_dict
    assert not line.dispatches.exists()
