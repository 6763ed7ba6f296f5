"""Bad input the schema fuzzing found answered with a server error (or accepted although
the schema refuses it); each is now a 400 (or a JSON 404) naming what is wrong."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from attendees.models import ScanEvent
from materials import services as material_services
from materials.models import Edition, Handover, Material
from tests import factories as f


@pytest.fixture
def coordinator(client, world):
    client.force_login(world.coordinator)
    return client


@pytest.fixture
def person(world):
    return f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a))


@pytest.fixture
def cm(world):
    material = material_services.material_save(
        actor=world.coordinator, material=Material(title="Sổ tay", kind="handbook", year=2023)
    )
    edition = Edition.objects.create(material=material, label="2023", year=2023)
    return material_services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=edition
    )


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def scan(world, person, **changes):
    return {
        "token": person.badge_token,
        "session": world.session_a.pk,
        "nonce": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
        "device": "phone-1",
        **changes,
    }


def assert_refused(response, field):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["field"] == field


def test_an_impossible_minute_is_a_bad_request_not_a_server_error(coordinator, world, person):
    response = post(
        coordinator, "/api/v1/checkins", scan(world, person, scanned_at="2023-10-10T07:60:00Z")
    )
    assert_refused(response, "scanned_at")
    assert not ScanEvent.objects.exists()


def test_a_session_number_beyond_any_id_is_a_bad_request(coordinator, world, person):
    # SQLite raised OverflowError comparing it in the check-in query.
    response = post(coordinator, "/api/v1/checkins", scan(world, person, session=2**63))
    assert_refused(response, "session")
    assert str(2**63) in response.json()["error"]


@pytest.mark.parametrize("url", ["/api/v1/checkins/batch", "handout"])
def test_times_beyond_any_calendar_are_refused_before_the_clock_correction(
    coordinator, world, person, cm, url
):
    # scanned_at + (now - device_time) overflowed datetime: a 500.
    url = f"/api/v1/handouts/{cm.pk}/batch" if url == "handout" else url
    body = {
        "device": "phone-1",
        "device_time": "3931-05-16T03:53:41Z",
        "scans": [scan(world, person, scanned_at="1519-04-15T07:57:14Z")],
    }
    assert_refused(post(coordinator, url, body), "device_time")
    assert not ScanEvent.objects.exists() and not Handover.objects.exists()


def test_a_phone_clock_reset_to_1970_is_still_corrected(coordinator, world, person, cm):
    now = timezone.now()
    reset = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    body = {
        "device": "phone-1",
        "device_time": (reset + datetime.timedelta(minutes=1)).isoformat(),
        "scans": [scan(world, person, scanned_at=reset.isoformat())],
    }
    response = post(coordinator, f"/api/v1/handouts/{cm.pk}/batch", body)
    assert response.status_code == 200, response.content
    handed_at = Handover.objects.get(enrollment=person).handed_at
    assert now - datetime.timedelta(minutes=2) <= handed_at <= timezone.now()


def test_an_empty_device_time_is_refused_not_ignored(coordinator, world, person):
    body = {"device": "phone-1", "device_time": "", "scans": [scan(world, person)]}
    assert_refused(post(coordinator, "/api/v1/checkins/batch", body), "device_time")
    assert not ScanEvent.objects.exists()


def test_a_device_id_longer_than_stored_is_refused_not_cut(coordinator, world, person):
    response = post(coordinator, "/api/v1/checkins", scan(world, person, device="x" * 65))
    assert_refused(response, "device")
    assert not ScanEvent.objects.exists()


@pytest.mark.parametrize(
    "url", ["/api/v1/sessions/abc/roster", "/api/v1/handouts/-1/roster", "/api/v1/nothing"]
)
def test_unknown_api_addresses_answer_in_json(coordinator, url):
    response = coordinator.get(url)
    assert response.status_code == 404
    # The clerk reads it in Vietnamese, the default language.
    assert response.json() == {"error": "Không có địa chỉ API này."}
