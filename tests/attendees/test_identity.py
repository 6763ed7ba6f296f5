"""Matching what a unit typed against the register (attendees/identity.py): a unit is
offered and reuses only people it may see; a match with anyone else becomes the unit's own
record, held for the coordinator, who merges the two or calls them different people."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from attendees import identity, services
from attendees.identity import Typed, identify
from attendees.models import Enrollment, Nomination, Participant
from courses.models import AuditLog
from tests import factories as f
from tests.attendees.test_import_service import _row, _xlsx

BORN = datetime.date(1993, 4, 5)
CCCD = "012193196074"  # female, born 1993


@pytest.fixture
def stranger(world):
    """Unit B's person, in class B: unit A may not see her."""
    p = f.participant(
        world.unit_b,
        full_name="Tẩn Thị Mẩy",
        gender="female",
        date_of_birth=BORN,
        citizen_id=CCCD,
        phone="+84912000111",
    )
    f.nomination(world.class_b, world.unit_b, person=p)
    return p


def _typed_form(**changes):
    return {
        "category": f.category("a").pk,
        "full_name": "Lò Thị Bịa",
        "gender": "female",
        "date_of_birth": "06/04/1993",
        "citizen_id": "",
        "phone": "",
        "position": "Chuyên viên",
        "workplace": "",
        "on_state_payroll": "on",
        **changes,
    }


# --- The rule --------------------------------------------------------------------------


def test_a_unit_matches_its_own_people_and_only_holds_against_others(world, stranger):
    own = f.participant(world.unit_a, full_name="Lò Thị Mai", date_of_birth=BORN)
    mine = identify(viewer=world.nominator_a, typed=Typed("lo thi mai", BORN))
    assert mine.visible == (own,) and mine.hold_against_id is None
    theirs = identify(viewer=world.nominator_a, typed=Typed("Ai Đó", None, CCCD))
    assert theirs.visible == () and theirs.hold_against_id == stranger.pk
    # The coordinator sees everyone: a match is a match.
    assert identify(viewer=world.coordinator, typed=Typed("Ai Đó", None, CCCD)).known == stranger


def test_a_hold_points_at_the_record_the_match_is_itself_held_against(world, stranger):
    held = f.participant(
        world.unit_b, full_name="Tẩn Thị Mẩy", date_of_birth=BORN, possible_duplicate_of=stranger
    )
    # Unit A types the held record's name and another birth date: no match; its own.
    found = identify(viewer=world.nominator_a, typed=Typed(held.full_name, BORN, ""))
    assert found.hold_against_id == stranger.pk


# --- The form --------------------------------------------------------------------------


def test_form_with_another_units_name_and_birth_date_offers_nothing_and_holds(
    client, world, stranger
):
    client.force_login(world.nominator_a)
    url = reverse("attendees:nomination-add", args=[world.class_a.code])
    response = client.post(url, _typed_form(full_name="tẩn thị mẩy", date_of_birth="05/04/1993"))
    assert response.status_code == 302
    own = Nomination.objects.get(organisation=world.unit_a).participant
    assert own.pk != stranger.pk and own.organisation == world.unit_a
    assert own.possible_duplicate_of == stranger and own.held_by == world.nominator_a
    assert client.get(reverse("attendees:person-detail", args=[stranger.pk])).status_code == 404


def test_form_with_another_units_cccd_is_not_told_it_is_used(client, world, stranger):
    client.force_login(world.nominator_a)
    url = reverse("attendees:nomination-add", args=[world.class_a.code])
    response = client.post(url, _typed_form(citizen_id=CCCD))
    assert response.status_code == 302
    own = Participant.objects.get(full_name="Lò Thị Bịa")
    assert own.citizen_id == CCCD and own.possible_duplicate_of == stranger


def test_the_held_record_shows_the_unit_only_what_it_typed(client, world, stranger):
    client.force_login(world.nominator_a)
    url = reverse("attendees:nomination-add", args=[world.class_a.code])
    client.post(url, _typed_form(citizen_id=CCCD))
    own = Participant.objects.get(full_name="Lò Thị Bịa")
    page = client.get(reverse("attendees:person-detail", args=[own.pk])).content.decode()
    assert "Lò Thị Bịa" in page and "06/04/1993" in page
    for leaked in ("Tẩn Thị Mẩy", "05/04/1993", "912000111", "Phong Thổ", "trùng"):
        assert leaked not in page
    people = client.get(reverse("attendees:people")).content.decode()
    assert "Lò Thị Bịa" in people and "Tẩn Thị Mẩy" not in people


def test_person_edit_to_another_units_cccd_is_held_not_refused(client, world, stranger):
    own = f.participant(world.unit_a, full_name="Lò Thị Bịa", gender="female", date_of_birth=BORN)
    client.force_login(world.nominator_a)
    data = _typed_form(citizen_id=CCCD, date_of_birth="05/04/1993")
    del data["category"]
    response = client.post(reverse("attendees:person-edit", args=[own.pk]), data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.citizen_id == CCCD and own.possible_duplicate_of == stranger


def test_person_edit_to_a_cccd_of_the_units_own_person_is_refused(client, world):
    f.participant(world.unit_a, gender="female", date_of_birth=BORN, citizen_id=CCCD)
    own = f.participant(world.unit_a, full_name="Lò Thị Bịa", gender="female", date_of_birth=BORN)
    client.force_login(world.nominator_a)
    data = _typed_form(citizen_id=CCCD, date_of_birth="05/04/1993")
    del data["category"]
    response = client.post(reverse("attendees:person-edit", args=[own.pk]), data)
    assert response.status_code == 200
    assert "Số CCCD này đã được sử dụng cho một người khác" in response.content.decode()
    own.refresh_from_db()
    assert own.citizen_id == ""


def test_coordinator_may_correct_a_held_records_name_while_it_shares_the_cccd(world, held):
    held.full_name = "Lò Thị Bịa Sửa"
    services.participant_save(actor=world.coordinator, participant=held)
    held.refresh_from_db()
    assert held.full_name == "Lò Thị Bịa Sửa" and held.citizen_id == CCCD


def test_save_refuses_a_twin_the_actor_can_see(world):
    f.participant(world.unit_a, full_name="Lò Thị Mai", date_of_birth=BORN)
    twin = Participant(
        full_name="Lò Thị Mai", gender="female", date_of_birth=BORN, organisation=world.unit_a
    )
    with pytest.raises(ValidationError, match="Lò Thị Mai"):
        services.participant_save(actor=world.nominator_a, participant=twin)


# --- The import ------------------------------------------------------------------------


def _import(world, rows, *, dry_run=False):
    return services.import_nominations(
        actor=world.nominator_a,
        training_class=world.class_a,
        organisation=world.unit_a,
        data=_xlsx(rows),
        filename="ds.xlsx",
        dry_run=dry_run,
    )


def test_import_row_with_another_units_cccd_is_a_new_held_record(world, stranger):
    report = _import(world, [_row("Lò Thị Bịa", BORN, "Nữ", CCCD)])
    assert report.ok and report.reused == {} and report.created == 1
    own = Nomination.objects.get(organisation=world.unit_a).participant
    assert own.full_name == "Lò Thị Bịa" and own.organisation == world.unit_a
    assert own.possible_duplicate_of == stranger and own.citizen_id == CCCD
    log = AuditLog.objects.get(action="nomination.import")
    assert log.changes["held_people"] == 1 and log.changes["reused_people"] == 0


def test_import_never_names_another_units_person_already_in_the_class(world, stranger):
    f.nomination(world.class_a, world.unit_b, "c", person=stranger)
    report = _import(world, [_row("Lò Thị Bịa", BORN, "Nữ", CCCD)], dry_run=True)
    assert report.ok and report.reused == {}


def test_import_already_nominated_names_only_the_row(world):
    own = f.participant(world.unit_a, full_name="Lò Thị Mai", date_of_birth=BORN)
    f.nomination(world.class_a, world.unit_a, person=own)
    report = _import(world, [_row("Lò Thị Mai", BORN, "Nữ", "")], dry_run=True)
    assert [(e.row_number, e.message) for e in report.errors] == [
        (3, "Người này đã được cử tham gia lớp này.")
    ]


# --- The coordinator decides -----------------------------------------------------------


@pytest.fixture
def held(world, stranger):
    own = f.participant(
        world.unit_a,
        full_name="Lò Thị Bịa",
        gender="female",
        date_of_birth=BORN,
        citizen_id=CCCD,
        possible_duplicate_of=stranger,
        held_by=world.nominator_a,
    )
    return own


def test_merge_moves_nominations_and_enrollments_and_removes_the_held_record(world, stranger, held):
    enrollment = f.enrollment(world.class_a, world.unit_a, person=held)
    kept = identity.possible_duplicate_merge(actor=world.coordinator, held=held)
    assert kept == stranger
    assert not Participant.objects.filter(pk=held.pk).exists()
    assert Enrollment.objects.get(pk=enrollment.pk).participant == stranger
    assert Nomination.objects.get(pk=enrollment.nomination_id).participant == stranger
    assert Nomination.objects.filter(participant=stranger).count() == 2
    log = AuditLog.objects.get(action="participant.merge")
    assert log.actor == world.coordinator and log.changes["removed"]["id"] == held.pk
    assert log.changes["enrollments"] == [enrollment.pk]


def test_merge_is_refused_while_both_are_nominated_to_one_class(world, stranger, held):
    f.nomination(world.class_b, world.unit_a, person=held)
    with pytest.raises(ValidationError, match="TTDN-2023-L2"):
        identity.possible_duplicate_merge(actor=world.coordinator, held=held)
    assert Participant.objects.get(pk=held.pk).possible_duplicate_of == stranger


def test_merge_into_an_erased_record_is_refused(world, stranger, held):
    services.participant_erase(actor=world.coordinator, participant=stranger)
    with pytest.raises(ValidationError, match="bị xoá thông tin định danh"):
        identity.possible_duplicate_merge(actor=world.coordinator, held=held)
    assert Participant.objects.filter(pk=held.pk).exists()
    # Its CCCD is gone with it: the two are simply different people now.
    identity.possible_duplicate_separate(actor=world.coordinator, held=held)


def test_different_people_needs_different_citizen_ids(world, stranger, held):
    with pytest.raises(ValidationError, match="CCCD"):
        identity.possible_duplicate_separate(actor=world.coordinator, held=held)
    held.citizen_id = "012193000001"
    held.save()
    identity.possible_duplicate_separate(actor=world.coordinator, held=held)
    held.refresh_from_db()
    assert held.possible_duplicate_of is None and held.held_by is None
    assert AuditLog.objects.filter(action="participant.separate").count() == 1


def test_coordinator_page_lists_pairs_logs_the_view_and_decides(client, world, stranger, held):
    client.force_login(world.coordinator)
    page = client.get(reverse("attendees:possible-duplicates"))
    text = page.content.decode()
    assert "Lò Thị Bịa" in text and "Tẩn Thị Mẩy" in text and CCCD in text
    log = AuditLog.objects.get(action="participant.view_sensitive")
    assert sorted(log.changes["ids"]) == sorted([held.pk, stranger.pk])
    url = reverse("attendees:possible-duplicate-decide", args=[held.pk])
    refused = client.post(url, {"decision": "separate"}, follow=True)
    assert "Hãy sửa số CCCD bị sai trước" in refused.content.decode()
    response = client.post(url, {"decision": "merge"})
    assert response.status_code == 302
    assert not Participant.objects.filter(pk=held.pk).exists()
    assert "Không có hồ sơ nào cần kiểm tra" in client.get(page.wsgi_request.path).content.decode()


def test_units_cannot_open_the_possible_duplicates(client, world, held):
    client.force_login(world.nominator_a)
    assert client.get(reverse("attendees:possible-duplicates")).status_code == 403
    url = reverse("attendees:possible-duplicate-decide", args=[held.pk])
    assert client.post(url, {"decision": "merge"}).status_code == 403
    assert Participant.objects.filter(pk=held.pk).exists()


# --- Rate limits -----------------------------------------------------------------------


@override_settings(IDENTITY_CHECKS_PER_HOUR=2)
def test_person_form_checks_are_limited_per_user(client, world):
    client.force_login(world.nominator_a)
    url = reverse("attendees:nomination-add", args=[world.class_a.code])
    bad = _typed_form(date_of_birth="31/02/1993")  # invalid: checked, nothing saved
    assert [client.post(url, bad).status_code for _ in range(2)] == [200, 200]
    response = client.post(url, _typed_form())
    assert response.status_code == 429
    assert "Bạn đã gửi biểu mẫu thông tin học viên quá 2 lần" in response.content.decode()
    assert not Participant.objects.exists()
    # Counted per user: another unit's officer is not affected.
    client.force_login(world.nominator_b)
    url_b = reverse("attendees:nomination-add", args=[world.class_b.code])
    assert client.post(url_b, bad).status_code == 200


@override_settings(IMPORT_PREVIEWS_PER_HOUR=1)
def test_import_previews_are_limited_per_user(client, world):
    from attendees.models import ImportBatch

    batch = ImportBatch.objects.create(
        training_class=world.class_a,
        organisation=world.unit_a,
        uploaded_by=world.nominator_a,
        filename="ds.xlsx",
        content=_xlsx([_row()]),
    )
    client.force_login(world.nominator_a)
    url = reverse("attendees:import-preview", args=[batch.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 429
    assert "xem trước tệp nhập" in response.content.decode()
    assert not Nomination.objects.exists()
