"""Nomination pages: who may open what, and what each action leaves in the database."""

import datetime
import io

import pytest
from django.urls import reverse

from attendees.models import Enrollment, Nomination, Participant
from courses.models import AuditLog
from tests import factories as f
from tests.attendees.test_attendance_pages import ATTENDANCE_URL_NAMES

PERSONAS = [
    "anonymous",
    "outsider",
    "nominator_a",
    "nominator_b",
    "trainer",
    "viewer",
    "coordinator",
]


@pytest.fixture
def people(world):
    """Unit A: a submitted nomination in class A; unit B: an approved one in class A."""
    pa = f.participant(
        world.unit_a,
        full_name="Nguyễn Thị Hường",
        gender="female",
        citizen_id="012190001234",
        date_of_birth=datetime.date(1990, 3, 4),
    )
    pb = f.participant(
        world.unit_b,
        full_name="Vàng A Sử",
        citizen_id="012085001111",
        date_of_birth=datetime.date(1985, 6, 1),
    )
    na = f.nomination(world.class_a, world.unit_a, "a", person=pa, state="submitted")
    nb = f.nomination(world.class_a, world.unit_b, "c", person=pb, state="approved")
    Enrollment.objects.create(
        nomination=nb,
        training_class=world.class_a,
        participant=pb,
        organisation=world.unit_b,
        category=nb.category,
    )
    return {"pa": pa, "pb": pb, "na": na, "nb": nb}


def _pages(w, p):
    a = w.class_a.code
    return {
        "home": ("get", reverse("attendees:home")),
        "review": ("get", reverse("attendees:review")),
        "template": ("get", reverse("attendees:import-template")),
        "unit_nominations": ("get", reverse("attendees:unit-nominations", args=[a])),
        "nomination_add": ("get", reverse("attendees:nomination-add", args=[a])),
        "import_upload": ("get", reverse("attendees:import-upload", args=[a])),
        "composition": ("get", reverse("attendees:composition", args=[a])),
        "enrollments": ("get", reverse("attendees:enrollments", args=[a])),
        "enrollments_xlsx": ("get", reverse("attendees:enrollments-export", args=[a, "xlsx"])),
        "people": ("get", reverse("attendees:people")),
        "person_a": ("get", reverse("attendees:person-detail", args=[p["pa"].pk])),
        "person_a_edit": ("get", reverse("attendees:person-edit", args=[p["pa"].pk])),
        "person_a_export": ("get", reverse("attendees:person-export", args=[p["pa"].pk])),
        "substitute_a": ("get", reverse("attendees:nomination-substitute", args=[p["na"].pk])),
        "unit_export": ("get", reverse("attendees:unit-nominations-export", args=[a, "pdf"])),
        "possible_duplicates": ("get", reverse("attendees:possible-duplicates")),
        "assessment": ("get", reverse("attendees:assessment", args=[a])),
    }


# 302 = to the login page (anonymous) or a redirect after success; for the coordinator the
# unit pages need ?unit= and answer 404 without it.
EXPECTED = {
    #                   anon outsider nomA nomB trainer viewer coord
    "home": (302, 403, 200, 200, 302, 302, 302),
    "review": (302, 403, 403, 403, 403, 200, 200),
    "template": (302, 403, 200, 200, 200, 200, 200),
    "unit_nominations": (302, 403, 200, 200, 403, 403, 404),
    "nomination_add": (302, 403, 200, 200, 403, 403, 404),
    "import_upload": (302, 403, 200, 200, 403, 403, 404),
    "composition": (302, 403, 403, 403, 403, 200, 200),
    "enrollments": (302, 403, 200, 200, 200, 200, 200),
    "enrollments_xlsx": (302, 403, 200, 200, 200, 200, 200),
    "people": (302, 403, 200, 200, 200, 200, 200),
    "person_a": (302, 403, 200, 404, 404, 200, 200),
    "person_a_edit": (302, 403, 200, 404, 403, 403, 200),
    "person_a_export": (302, 403, 403, 403, 403, 403, 200),
    "substitute_a": (302, 403, 200, 404, 403, 403, 200),
    "unit_export": (302, 403, 200, 200, 403, 403, 404),
    "possible_duplicates": (302, 403, 403, 403, 403, 403, 200),
    # The final assessment (#18): read by whoever sees the class, saved by its trainer and
    # the coordinator (tests/attendees/test_assessment.py).
    "assessment": (302, 403, 200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_access_per_persona(client, world, people, page, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    method, url = _pages(world, people)[page]
    response = getattr(client, method)(url)
    assert response.status_code == EXPECTED[page][PERSONAS.index(persona)], f"{persona} on {page}"


def test_every_attendees_url_is_covered(world, people):
    from attendees.urls import urlpatterns

    covered_names = {
        "home",
        "review",
        "import-template",
        "unit-nominations",
        "nomination-add",
        "import-upload",
        "composition",
        "enrollments",
        "enrollments-export",
        "people",
        "person-detail",
        "person-edit",
        "person-export",
        "nomination-substitute",
        # POST-only actions, tested below:
        "nomination-withdraw",
        "unit-submit",
        "import-preview",
        "person-erase",
        "unit-nominations-export",
        # possible duplicates, coordinator only: tests/attendees/test_identity.py
        "possible-duplicates",
        "possible-duplicate-decide",
        # late scans held for the coordinator: tests/attendees/test_late_scans.py
        "held-scan-review",
        # the final assessment list: tests/attendees/test_assessment.py
        "assessment",
        # attendance pages, matrix in test_attendance_pages.py:
        *ATTENDANCE_URL_NAMES,
    }
    assert {p.name for p in urlpatterns} == covered_names


def test_nominator_b_cannot_withdraw_unit_as_nomination(client, world, people):
    client.force_login(world.nominator_b)
    response = client.post(reverse("attendees:nomination-withdraw", args=[people["na"].pk]))
    assert response.status_code == 404
    assert Nomination.objects.get(pk=people["na"].pk).state == "submitted"


def test_non_coordinator_cannot_erase(client, world, people):
    for persona in (world.nominator_a, world.viewer):
        client.force_login(persona)
        assert (
            client.post(reverse("attendees:person-erase", args=[people["pa"].pk])).status_code
            == 403
        )
    assert Participant.objects.get(pk=people["pa"].pk).erased_at is None


def test_unit_list_shows_only_own_people(client, world, people):
    client.force_login(world.nominator_a)
    body = client.get(
        reverse("attendees:unit-nominations", args=[world.class_a.code])
    ).content.decode()
    assert "Nguyễn Thị Hường" in body and "Vàng A Sử" not in body
    people_page = client.get(reverse("attendees:people")).content.decode()
    assert "Nguyễn Thị Hường" in people_page and "Vàng A Sử" not in people_page


def test_enrollment_export_of_a_unit_holds_only_its_people(client, world, people):
    import openpyxl

    client.force_login(world.nominator_a)
    response = client.get(
        reverse("attendees:enrollments-export", args=[world.class_a.code, "xlsx"])
    )
    text = " ".join(
        str(c.value)
        for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows()
        for c in row
        if c.value
    )
    assert "Vàng A Sử" not in text
    client.force_login(world.coordinator)
    response = client.get(
        reverse("attendees:enrollments-export", args=[world.class_a.code, "xlsx"])
    )
    text = " ".join(
        str(c.value)
        for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows()
        for c in row
        if c.value
    )
    assert "Vàng A Sử" in text


def test_sensitive_data_masked_for_nominator_and_logged_for_coordinator(client, world, people):
    url = reverse("attendees:person-detail", args=[people["pa"].pk])
    client.force_login(world.nominator_a)
    body = client.get(url).content.decode()
    assert "012190001234" not in body and "012*******34" in body
    assert not AuditLog.objects.filter(action="participant.view_sensitive").exists()
    client.force_login(world.coordinator)
    body = client.get(url).content.decode()
    assert "012190001234" in body
    log = AuditLog.objects.get(action="participant.view_sensitive")
    assert log.actor == world.coordinator and log.changes["ids"] == [people["pa"].pk]


def test_nominator_adds_a_person_with_vietnamese_validation(client, world):
    client.force_login(world.nominator_a)
    url = reverse("attendees:nomination-add", args=[world.class_a.code])
    data = {
        "category": f.category("a").pk,
        "full_name": "  lò  văn   pành ",
        "gender": "male",
        "date_of_birth": "31/02/1990",
        "citizen_id": "12345",
        "phone": "01234567890",
        "position": "Chuyên viên",
        "workplace": "",
        "on_state_payroll": "on",
    }
    response = client.post(url, data)
    errors = response.context["form"].errors
    assert {"date_of_birth", "citizen_id", "phone"} <= set(errors)
    assert "10 chữ số" in errors["phone"][0] or "11" in errors["phone"][0]
    assert not Participant.objects.filter(search_name__contains="panh").exists()
    data.update(date_of_birth="05/03/1990", citizen_id="12090004567", phone="912 345 678")
    response = client.post(url, data)
    assert response.status_code == 302
    p = Participant.objects.get(search_name="lo van panh")
    assert (
        p.full_name == "Lò Văn Pành"
        and p.citizen_id == "012090004567"
        and p.phone == "+84912345678"
    )
    assert Nomination.objects.get(participant=p).state == "draft"


def test_adding_a_known_person_offers_to_reuse_the_record(client, world, people):
    # The coordinator sees everyone, so is offered unit A's record while filling unit B's
    # seats (a unit is offered only its own people: tests/attendees/test_identity.py).
    client.force_login(world.coordinator)
    url = reverse("attendees:nomination-add", args=[world.class_b.code])
    data = {
        "unit": world.unit_b.pk,
        "category": f.category("a").pk,
        "full_name": "Nguyen Thi Huong",
        "gender": "female",
        "date_of_birth": "04/03/1990",
        "on_state_payroll": "on",
    }
    # Without accents it is a different name; with them (NFD even) it is the same person.
    import unicodedata

    data["full_name"] = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["candidates"] == [people["pa"]]
    assert Participant.objects.filter(search_name="nguyen thi huong").count() == 1
    response = client.post(url, {**data, "reuse": people["pa"].pk})
    assert response.status_code == 302
    assert Nomination.objects.filter(
        participant=people["pa"], training_class=world.class_b
    ).exists()
    assert Participant.objects.filter(search_name="nguyen thi huong").count() == 1


def test_unit_submits_and_coordinator_approves_in_bulk(client, world):
    drafts = [f.nomination(world.class_a, world.unit_a, "a") for _ in range(3)]
    client.force_login(world.nominator_a)
    client.post(reverse("attendees:unit-submit", args=[world.class_a.code]), {"confirm": "yes"})
    assert set(
        Nomination.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)
    ) == {"submitted"}
    client.force_login(world.coordinator)
    url = reverse("attendees:review") + f"?training_class={world.class_a.code}"
    response = client.post(url, {"action": "approve", "ids": [d.pk for d in drafts[:2]]})
    assert response.status_code == 302
    assert Enrollment.objects.filter(nomination__in=drafts[:2]).count() == 2
    response = client.post(url, {"action": "return", "ids": [drafts[2].pk], "reason": ""})
    assert Nomination.objects.get(pk=drafts[2].pk).state == "submitted"  # no reason, nothing done
    client.post(url, {"action": "return", "ids": [drafts[2].pk], "reason": "Thiếu chức vụ"})
    assert Nomination.objects.get(pk=drafts[2].pk).return_reason == "Thiếu chức vụ"
    client.force_login(world.nominator_a)
    body = client.get(
        reverse("attendees:unit-nominations", args=[world.class_a.code])
    ).content.decode()
    assert "Thiếu chức vụ" in body


def test_submitting_asks_first_and_names_who_is_sent(client, world):
    drafts = [f.nomination(world.class_a, world.unit_a, "a") for _ in range(2)]
    url = reverse("attendees:unit-submit", args=[world.class_a.code])
    client.force_login(world.nominator_a)
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "2 người sẽ được gửi lên Sở để duyệt" in body
    assert all(d.participant.full_name in body for d in drafts)
    # Neither the question nor an unconfirmed POST (an old page, a double tap) sends.
    assert client.post(url).status_code == 302
    assert set(
        Nomination.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)
    ) == {"draft"}
    client.post(url, {"confirm": "yes"})
    assert set(
        Nomination.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)
    ) == {"submitted"}
    assert AuditLog.objects.filter(action="nomination.submit").count() == 2


def test_submit_page_says_why_before_the_quota_refuses(client, world):
    from courses.models import Quota

    quota = Quota.objects.get(
        training_class=world.class_a, organisation=world.unit_a, category__code="a"
    )
    drafts = [f.nomination(world.class_a, world.unit_a, "a") for _ in range(quota.seats + 1)]
    client.force_login(world.nominator_a)
    body = client.get(reverse("attendees:unit-submit", args=[world.class_a.code])).content.decode()
    assert 'id="refusal"' in body and 'id="confirm-button"' not in body
    assert drafts[0].participant.full_name in body  # the quota message names the people


def test_viewer_cannot_decide(client, world, people):
    client.force_login(world.viewer)
    response = client.post(
        reverse("attendees:review"), {"action": "approve", "ids": [people["na"].pk]}
    )
    assert response.status_code == 403
    assert Nomination.objects.get(pk=people["na"].pk).state == "submitted"


def test_composition_counts(client, world, people):
    client.force_login(world.coordinator)
    response = client.get(reverse("attendees:composition", args=[world.class_a.code]))
    rows = {unit.pk: cells for unit, cells in response.context["rows"]}
    a_cell = rows[world.unit_a.pk][0]  # category a
    assert (a_cell["approved"], a_cell["nominated"], a_cell["quota"]) == (0, 1, 30)
    b_cell = rows[world.unit_b.pk][2]  # category c
    assert (b_cell["approved"], b_cell["nominated"], b_cell["quota"]) == (1, 1, 5)


def test_enrollment_list_is_in_vietnamese_order_and_searchable(client, world):
    names = ["Nguyễn Văn An", "Lò Thị Ánh", "Đặng Văn Ân", "Vàng A Sử", "Trần Thị Ăn"]
    for name in names:
        p = f.participant(world.unit_a, full_name=name)
        n = f.nomination(world.class_a, world.unit_a, person=p, state="approved")
        Enrollment.objects.create(
            nomination=n,
            training_class=world.class_a,
            participant=p,
            organisation=world.unit_a,
            category=n.category,
        )
    client.force_login(world.coordinator)
    response = client.get(reverse("attendees:enrollments", args=[world.class_a.code]))
    assert [e.participant.full_name for e in response.context["rows"]] == [
        # an < anh < ăn < ân: letters first (a < ă < â), the tone of Ánh only breaks ties.
        "Nguyễn Văn An",
        "Lò Thị Ánh",
        "Trần Thị Ăn",
        "Đặng Văn Ân",
        "Vàng A Sử",
    ]
    response = client.get(reverse("attendees:enrollments", args=[world.class_a.code]) + "?q=dang")
    assert [e.participant.full_name for e in response.context["rows"]] == ["Đặng Văn Ân"]


@pytest.mark.parametrize(
    "page", ["unit_nominations", "nomination_add", "import_upload", "unit_export"]
)
@pytest.mark.parametrize("unit", ["abc", "-1", "1.5", "١", "²"])
def test_a_unit_that_is_not_a_number_is_not_found(client, world, people, page, unit):
    client.force_login(world.coordinator)
    _method, url = _pages(world, people)[page]
    assert client.get(url, {"unit": unit}).status_code == 404


def test_unit_nomination_list_pdf_is_the_units_own_document(client, world, people):
    """The list a unit sends carries the unit's header, its place and a signer line for
    the unit's head, not the Department's letterhead."""
    from pypdf import PdfReader

    unit = world.unit_a
    unit.place = "Mường Tè"
    unit.parent = f.organisation(
        name="Ủy ban nhân dân tỉnh Lai Châu", kind="province_ubnd", can_nominate=False
    )
    unit.save()
    client.force_login(world.nominator_a)
    url = reverse("attendees:unit-nominations-export", args=[world.class_a.code, "pdf"])
    response = client.get(url)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    # A People's Committee heads its own letters alone: no "UBND TỈNH" line above it.
    assert "UBND HUYỆN MƯỜNG TÈ" in text and "UBND TỈNH LAI CHÂU" not in text
    assert "SỞ THÔNG TIN" not in text.upper()
    assert world.class_a.organiser.name.upper() not in text.upper()
    assert "Mường Tè, ngày" in text and "Lai Châu, ngày" not in text
    assert "THỦ TRƯỞNG ĐƠN VỊ" in text and "(Ký tên, đóng dấu)" in text
    assert "Nguyễn Thị Hường" in text
