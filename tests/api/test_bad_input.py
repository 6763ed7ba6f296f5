"""Bad input the schema fuzzing found answered with a server error (or accepted although
the schema refuses it); each is now a 400 (or a JSON 404) naming what is wrong."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from attendees.models import ScanEvent
from courses.models import Session
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


# --- #13: each bad scan of a batch gets its own refusal; the rest are stored ------------
# PostgreSQL cannot store NUL in text nor a skew beyond 32 bits: there each of these was a
# 500 on every retry, so the phone's queue stopped behind the scan. They pass on SQLite too
# (the answer does not depend on the database).

WIFI = "WIFI:S:cafe\u0000;;"


@pytest.mark.postgres
def test_a_qr_code_with_a_nul_is_refused_on_its_own_and_the_rest_stored(coordinator, world, person):
    in_session = "2023-10-10T07:40:00+07:00"
    nul = scan(world, person, token=WIFI, scanned_at=in_session)
    good = scan(world, person, scanned_at=in_session)
    del nul["device"], good["device"]
    for _ in range(2):  # a retry gets the same answers and stores nothing twice
        r = post(coordinator, "/api/v1/checkins/batch", {"device": "phone-1", "scans": [nul, good]})
        assert r.status_code == 200, r.content
        refused, recorded = r.json()["results"]
        assert refused["nonce"] == nul["nonce"] and refused["result"] == "invalid"
        assert refused["field"] == "token"
        assert refused["reason"] == "token chứa ký tự NUL, không lưu được."
        assert recorded["result"] == "present"
    assert list(ScanEvent.objects.values_list("nonce", flat=True)) == [uuid.UUID(good["nonce"])]


@pytest.mark.postgres
def test_a_hand_out_scan_with_a_nul_is_refused_on_its_own(coordinator, world, person, cm):
    other = f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a))
    nul = {"token": WIFI, "nonce": str(uuid.uuid4()), "scanned_at": timezone.now().isoformat()}
    good = {
        "token": other.badge_token,
        "nonce": str(uuid.uuid4()),
        "scanned_at": timezone.now().isoformat(),
    }
    r = post(
        coordinator, f"/api/v1/handouts/{cm.pk}/batch", {"device": "phone-1", "scans": [nul, good]}
    )
    assert r.status_code == 200, r.content
    refused, recorded = r.json()["results"]
    assert (refused["result"], refused["field"], refused["nonce"]) == (
        "invalid",
        "token",
        nul["nonce"],
    )
    assert recorded["result"] == "handed"
    assert list(Handover.objects.values_list("enrollment", flat=True)) == [other.pk]


@pytest.mark.postgres
def test_text_that_is_not_unicode_is_refused_on_its_own(coordinator, world, person):
    # JSON may carry a lone UTF-16 surrogate ("\ud800"); no database can store it.
    body = json.dumps({"device": "phone-1", "scans": [scan(world, person, token="abc\ud800")]})
    assert "\\ud800" in body  # json.dumps writes it as the escape, as a phone's JSON would
    r = coordinator.post("/api/v1/checkins/batch", body, content_type="application/json")
    assert r.status_code == 200, r.content
    assert [(x["result"], x["field"]) for x in r.json()["results"]] == [("invalid", "token")]
    assert not ScanEvent.objects.exists()


@pytest.mark.postgres
def test_a_nul_in_the_single_scan_or_the_device_is_a_bad_request(coordinator, world, person):
    assert_refused(post(coordinator, "/api/v1/checkins", scan(world, person, token=WIFI)), "token")
    assert_refused(
        post(coordinator, "/api/v1/checkins", scan(world, person, device="phone\u00001")), "device"
    )
    body = {"device": "phone\u00001", "scans": [scan(world, person)]}
    assert_refused(post(coordinator, "/api/v1/checkins/batch", body), "device")
    assert not ScanEvent.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("year", [1900, 2999])
def test_a_device_clock_a_century_off_is_stored_and_corrected(coordinator, world, person, year):
    """The skew of a clock set to 1900 (or 2999) is beyond a 32-bit integer; it is stored,
    flagged, and the scan's time corrected by it, like any other skewed clock."""
    now = timezone.now()
    device_now = now.replace(year=year)
    body = {
        "device": "phone-1",
        "device_time": device_now.isoformat(),
        "scans": [
            scan(world, person, scanned_at=(device_now - datetime.timedelta(minutes=1)).isoformat())
        ],
    }
    r = post(coordinator, "/api/v1/checkins/batch", body)
    assert r.status_code == 200, r.content
    event = ScanEvent.objects.get()
    assert event.clock_flagged
    assert abs(event.clock_skew_seconds - (now - device_now).total_seconds()) < 60
    corrected = now - datetime.timedelta(minutes=1)
    assert abs((event.scanned_at - corrected).total_seconds()) < 60


# --- #13: low ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/checkins", "/api/v1/checkins/batch", "handout"])
def test_deeply_nested_json_is_a_bad_request(coordinator, cm, url):
    url = f"/api/v1/handouts/{cm.pk}/batch" if url == "handout" else url
    body = "[" * 100_000 + "]" * 100_000
    r = coordinator.post(url, body, content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"error": "Yêu cầu lồng nhau quá sâu."}


@pytest.mark.parametrize("url", ["/api/v1/checkins/batch", "handout"])
def test_a_body_beyond_the_upload_limit_is_a_json_bad_request(coordinator, cm, settings, url):
    url = f"/api/v1/handouts/{cm.pk}/batch" if url == "handout" else url
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"device": "phone-1", "scans": [], "padding": "x" * 2000})
    r = coordinator.post(url, body, content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"error": "Yêu cầu quá lớn."}


@pytest.mark.parametrize("path", ["/api/v1/\n", "/api/v1/sessions/1\n/roster", "/api/\n\n"])
def test_an_api_path_with_a_newline_answers_the_json_404(coordinator, path):
    # Straight into the WSGI environ, as a server puts "%0A": the test client's get()
    # parses the URL with urllib, which drops newlines.
    response = coordinator.request(PATH_INFO=path, REQUEST_METHOD="GET")
    assert response.status_code == 404
    assert response.json() == {"error": "Không có địa chỉ API này."}


def _same_answer(a, a_id, b, b_id):
    """Both JSON 404s, with the same words once the number asked for is set aside."""
    assert a.status_code == b.status_code == 404
    assert a.json()["error"].replace(str(a_id), "N") == b.json()["error"].replace(str(b_id), "N")


def test_a_missing_session_and_someone_elses_answer_the_same(client, world, person):
    other_session = Session.objects.get(training_class=world.class_b)  # not world.trainer's
    missing = other_session.pk + 1000
    client.force_login(world.trainer)

    def asks(session_id):
        return [
            client.get(f"/api/v1/sessions/{session_id}/roster"),
            post(client, "/api/v1/checkins", scan(world, person, session=session_id)),
            post(
                client,
                "/api/v1/checkins/batch",
                {"device": "phone-1", "scans": [scan(world, person, session=session_id)]},
            ),
        ]

    for theirs, nothing in zip(asks(other_session.pk), asks(missing), strict=True):
        _same_answer(theirs, other_session.pk, nothing, missing)
    assert not ScanEvent.objects.exists()


def test_a_missing_material_and_someone_elses_answer_the_same(client, world, cm):
    missing = cm.pk + 1000
    client.force_login(world.other_trainer)  # teaches class B only

    def asks(pk):
        return [
            client.get(f"/api/v1/handouts/{pk}/roster"),
            post(client, f"/api/v1/handouts/{pk}/batch", {"device": "phone-1", "scans": []}),
        ]

    for theirs, nothing in zip(asks(cm.pk), asks(missing), strict=True):
        _same_answer(theirs, cm.pk, nothing, missing)
