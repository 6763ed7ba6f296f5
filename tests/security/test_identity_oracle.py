"""A unit learns nothing it did not type (issue 13): for each way in — import preview,
import confirmation, the person form, the form's "reuse" id, the person edit page, the
JSON APIs — unit A's officer, holding unit B's person's CCCD or name + birth date, gets
the very response it gets for a key that matches nobody (same page, same text, same
flow; CSRF tokens and new record ids aside), sees no trace of unit B's person, and can
open nothing new: that person's page answers 404 before and after.

Each case runs twice from the same state (the first run is rolled back): once with the
other unit's key, once with the control key."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from attendees.models import ImportBatch, Participant, new_badge_token
from tests.security.content import names_in
from tests.security.test_authz_matrix import client_for
from tests.security.world import PERSON_B1, PERSON_C1, import_xlsx

# Unit B's people, as unit A might know them. B1 is in class A already (through unit B);
# C1 only in class B. Control keys match nobody: same first three and last two CCCD
# digits (what a masked CCCD shows), same name with another birth date.
MADE_UP_NAME = {"female": "Lò Thị Bịa", "male": "Lò Văn Bịa"}


def _cases():
    for label, person in (("in-class", PERSON_B1), ("other-class", PERSON_C1)):
        name, gender, dob, cccd, ethnicity = person
        control_cccd = cccd[:6] + "000" + cccd[9:]
        other_day = dob.replace(day=dob.day + 1)
        yield pytest.param(
            person,
            (MADE_UP_NAME[gender], gender, dob, cccd, ethnicity),
            (MADE_UP_NAME[gender], gender, dob, control_cccd, ethnicity),
            id=f"{label}-cccd",
        )
        yield pytest.param(
            person,
            (name, gender, dob, "", ethnicity),
            (name, gender, other_day, "", ethnicity),
            id=f"{label}-name-and-birth-date",
        )


CASES = list(_cases())


def _once(action):
    """Run `action` and undo everything it wrote."""
    with transaction.atomic():
        result = action()
        transaction.set_rollback(True)
    return result


def _normalised(response, typed) -> str:
    """The page with what legitimately differs between the two runs taken out: the CSRF
    token, the script nonce, ids of the new records, and the birth date the clerk typed."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r'nonce="[^"]*"', "", text)
    text = re.sub(r"/(imports|people|nominations|enrollments)/\d+/", r"/\1/ID/", text)
    text = re.sub(r'(name="ids" value=)"\d+"', r'\1"ID"', text)
    return text.replace(typed[2].strftime("%d/%m/%Y"), "DOB")


def _other(sw, person):
    return Participant.objects.get(full_name=person[0], organisation=sw.unit_b)


def _assert_nothing_about(sw, person, typed, response) -> None:
    text = response.content.decode()
    if typed[0] != person[0]:
        assert names_in(text, [person[0]]) == [], "the other unit's person is named"
    assert sw.unit_b.name not in text, "the other unit is named"
    if typed[2] != person[2]:
        assert person[2].strftime("%d/%m/%Y") not in text
    assert person[3][3:10] not in text


def _detail_status(client, sw, person) -> int:
    return client.get(reverse("attendees:person-detail", args=[_other(sw, person).pk])).status_code


def _form_data(sw, typed, **extra) -> dict:
    from courses.models import ParticipantCategory

    name, gender, dob, cccd, _ethnicity = typed
    return {
        "category": ParticipantCategory.objects.get(code="a").pk,
        "full_name": name,
        "gender": gender,
        "date_of_birth": dob.strftime("%d/%m/%Y"),
        "citizen_id": cccd,
        "phone": "",
        "position": "Chuyên viên",
        "workplace": sw.unit_a.name,
        "on_state_payroll": "on",
        **extra,
    }


# --- The spreadsheet import ------------------------------------------------------------


def _batch(sw, typed) -> ImportBatch:
    return ImportBatch.objects.create(
        training_class=sw.class_a,
        organisation=sw.unit_a,
        uploaded_by=sw.nominator_a,
        filename="ds.xlsx",
        content=import_xlsx([typed]),
    )


@pytest.mark.parametrize(("person", "known", "control"), CASES)
def test_import_preview_tells_nothing(sw, person, known, control):
    client = client_for(sw, "nominator_a")

    def preview(typed):
        return _once(
            lambda: client.get(reverse("attendees:import-preview", args=[_batch(sw, typed).pk]))
        )

    with_key, without = preview(known), preview(control)
    assert with_key.status_code == without.status_code == 200
    assert _normalised(with_key, known) == _normalised(without, control)
    _assert_nothing_about(sw, person, known, with_key)


@pytest.mark.parametrize(("person", "known", "control"), CASES)
def test_import_confirmation_tells_nothing_and_opens_nothing(sw, person, known, control):
    client = client_for(sw, "nominator_a")
    assert _detail_status(client, sw, person) == 404

    def confirm(typed):
        def run():
            url = reverse("attendees:import-preview", args=[_batch(sw, typed).pk])
            response = client.post(url, follow=True)
            return response, _detail_status(client, sw, person)

        return _once(run)

    (with_key, opened), (without, _) = confirm(known), confirm(control)
    assert "1 người mới" in with_key.content.decode() or "1 mới" in with_key.content.decode()
    assert _normalised(with_key, known) == _normalised(without, control)
    _assert_nothing_about(sw, person, known, with_key)
    assert opened == 404


# --- The person form -------------------------------------------------------------------


@pytest.mark.parametrize(("person", "known", "control"), CASES)
def test_person_form_tells_nothing_and_opens_nothing(sw, person, known, control):
    client = client_for(sw, "nominator_a")
    url = reverse("attendees:nomination-add", args=[sw.class_a.code])

    def add(typed):
        def run():
            response = client.post(url, _form_data(sw, typed), follow=True)
            return response, _detail_status(client, sw, person)

        return _once(run)

    (with_key, opened), (without, _) = add(known), add(control)
    assert with_key.redirect_chain and without.redirect_chain  # saved, both
    assert _normalised(with_key, known) == _normalised(without, control)
    _assert_nothing_about(sw, person, known, with_key)
    assert opened == 404


def test_posting_another_units_person_as_reuse_is_refused_like_a_missing_id(sw):
    client = client_for(sw, "nominator_a")
    url = reverse("attendees:nomination-add", args=[sw.class_a.code])
    other = _other(sw, PERSON_C1)
    missing = Participant.objects.order_by("-pk").first().pk + 1000
    typed = PERSON_C1
    answers = [
        _once(lambda pk=pk: client.post(url, _form_data(sw, typed, reuse=pk)))
        for pk in (other.pk, missing)
    ]
    assert answers[0].status_code == answers[1].status_code == 403
    assert _normalised(answers[0], typed) == _normalised(answers[1], typed)
    assert not other.nominations.filter(organisation=sw.unit_a).exists()
    assert _detail_status(client, sw, PERSON_C1) == 404


@pytest.mark.parametrize(("person", "known", "control"), [c for c in CASES if "cccd" in c.id])
def test_person_edit_with_another_units_cccd_tells_nothing(sw, person, known, control):
    client = client_for(sw, "nominator_a")
    own = sw.people_a[0]
    url = reverse("attendees:person-edit", args=[own.pk])

    def edit(typed):
        def run():
            data = _form_data(sw, typed, full_name=own.full_name)
            del data["category"]
            response = client.post(url, data, follow=True)
            return response, _detail_status(client, sw, person)

        return _once(run)

    (with_key, opened), (without, _) = edit(known), edit(control)
    assert with_key.redirect_chain and without.redirect_chain
    assert _normalised(with_key, known) == _normalised(without, control)
    _assert_nothing_about(sw, person, known, with_key)
    assert opened == 404


# --- The JSON APIs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("api-checkin", lambda w: {}),
        ("materials:handout-batch", lambda w: {"pk": w.class_material.pk}),
    ],
)
def test_api_does_not_resolve_another_units_badge_for_a_unit(sw, name, kwargs):
    client = client_for(sw, "nominator_a")
    url = reverse(name, kwargs=kwargs(sw))

    def scan(token):
        item = {
            "token": token,
            "session": sw.session_a.pk,
            "nonce": str(uuid.uuid4()),
            "scanned_at": timezone.now().isoformat(),
        }
        body = (
            {**item, "device": "p"} if name == "api-checkin" else {"device": "p", "scans": [item]}
        )
        return _once(lambda: client.post(url, json.dumps(body), content_type="application/json"))

    known, unknown = scan(sw.enrollment_b.badge_token), scan(new_badge_token())
    assert known.status_code == unknown.status_code == 403
    assert known.content == unknown.content
    assert names_in(known.content.decode("unicode_escape"), [PERSON_B1[0]]) == []


def test_api_roster_is_not_open_to_a_unit(sw):
    client = client_for(sw, "nominator_a")
    response = client.get(reverse("api-roster", args=[sw.session_a.pk]))
    assert response.status_code == 403
    assert names_in(response.content.decode("unicode_escape"), sw.names_b) == []
