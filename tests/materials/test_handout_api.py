"""Hand-out by badge scan: the scanner page and its JSON API (roster, batch upload) — who may
use them, the four results, replays by nonce, the earliest time, and bad input."""

import datetime
import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from materials import services
from materials.models import Handover
from tests import factories as f

PERSONAS = [
    "anonymous",
    "outsider",
    "nominator_a",
    "trainer",
    "other_trainer",
    "viewer",
    "coordinator",
]


@pytest.fixture
def cm(world, handbook):
    """The handbook's edition handed out in class A (taught by `world.trainer`)."""
    return services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=handbook.editions.get()
    )


@pytest.fixture
def people(world):
    """Three people in class A, and one in class B."""
    here = [
        f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name=name))
        for name in ("Nguyễn Thị Hường", "Lò Văn Pành", "Vàng A Sử")
    ]
    elsewhere = f.enrollment(
        world.class_b, world.unit_b, f.participant(world.unit_b, full_name="Tòng Thị Ánh")
    )
    return {"in": here, "foreign": elsewhere}


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def scan(token, when=None, nonce=None):
    return {
        "token": token,
        "nonce": str(nonce or uuid.uuid4()),
        "scanned_at": (when or timezone.now()).isoformat(),
    }


def batch(client, cm, scans, **extra):
    return post(
        client,
        reverse("materials:handout-batch", args=[cm.pk]),
        {"device": "phone-1", "scans": scans, **extra},
    )


@pytest.fixture
def trainer(client, world):
    client.force_login(world.trainer)
    return client


_NOW: list[datetime.datetime] = []


@pytest.fixture(autouse=True)
def _one_now_per_test():
    """minutes_ago(5) must name the same instant each time it is called in a test: two
    readings of the clock may fall on either side of a second."""
    _NOW[:] = [timezone.now().replace(microsecond=0)]


def minutes_ago(n):
    return _NOW[0] - datetime.timedelta(minutes=n)


# ---------------------------------------------------------------------------- who may


def _requests(cm, people):
    """URL and JSON body (None: a GET) of each entry point."""
    return {
        "scanner": (reverse("materials:handout-scanner", args=[cm.pk]), None),
        "roster": (reverse("materials:handout-roster", args=[cm.pk]), None),
        "batch": (
            reverse("materials:handout-batch", args=[cm.pk]),
            {"device": "phone-1", "scans": [scan(people["in"][0].badge_token)]},
        ),
    }


# fmt: off
EXPECTED = {
    # Another class's trainer gets 404, as for a material that does not exist (#13): a 403
    # would tell that it exists.
    #           anon outsider nomA trainer other viewer coord
    "scanner": (302, 403, 403, 200, 404, 403, 200),
    "roster":  (401, 403, 403, 200, 404, 403, 200),
    "batch":   (401, 403, 403, 200, 404, 403, 200),
}
# fmt: on


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(client, world, cm, people, page, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    url, body = _requests(cm, people)[page]
    response = client.get(url) if body is None else post(client, url, body)
    expected = EXPECTED[page][PERSONAS.index(persona)]
    assert response.status_code == expected, f"{persona} on {page}"
    if page != "scanner" and expected != 200:
        assert response.json()["error"]  # JSON, as the attendance API answers
    if page == "scanner" and expected == 302:
        assert response["Location"].startswith(reverse("login"))
    # Only an allowed upload records anything.
    assert Handover.objects.exists() == (page == "batch" and expected == 200)


def test_unknown_class_material(client, world, trainer, cm):
    """A JSON 404 with the same words for a material that does not exist and for another
    class's (it was a 400 and a 403: the difference told that the material exists)."""
    missing = cm.pk + 99
    assert trainer.get(reverse("materials:handout-scanner", args=[missing])).status_code == 404
    r = trainer.get(reverse("materials:handout-roster", args=[missing]))
    assert r.status_code == 404 and r.json()["error"]
    r = post(
        trainer, reverse("materials:handout-batch", args=[missing]), {"device": "d", "scans": []}
    )
    assert r.status_code == 404
    missing_answer = r.json()["error"].replace(str(missing), "ID")
    client.force_login(world.other_trainer)
    r = post(client, reverse("materials:handout-batch", args=[cm.pk]), {"device": "d", "scans": []})
    assert r.status_code == 404
    assert r.json()["error"].replace(str(cm.pk), "ID") == missing_answer


def test_methods(trainer, cm):
    assert trainer.post(reverse("materials:handout-roster", args=[cm.pk])).status_code == 405
    assert trainer.get(reverse("materials:handout-batch", args=[cm.pk])).status_code == 405


def test_scanner_page_is_the_scanner_in_handout_mode(trainer, world, cm):
    r = trainer.get(reverse("materials:handout-scanner", args=[cm.pk]))
    html = r.content.decode()
    assert 'data-mode="handout"' in html and f'data-material="{cm.pk}"' in html
    assert reverse("materials:handout-roster", args=[cm.pk]) in html
    assert reverse("materials:handout-batch", args=[cm.pk]) in html
    assert "Sổ tay nghiệp vụ biên giới" in html  # the material, not a session, is the heading
    assert 'data-result-handed="' in html and 'data-result-already_handed="' in html
    assert 'id="count-handed"' in html and 'id="live-list"' in html
    assert 'id="checkin-window"' not in html  # no check-in window in hand-out mode
    assert reverse("materials:class-material", args=[world.class_a.code, cm.pk]) in html


def test_attendance_scanner_page_keeps_its_mode(trainer, world):
    html = trainer.get(reverse("attendees:scanner", args=[world.session_a.pk])).content.decode()
    assert "data-mode=" not in html and f'data-session="{world.session_a.pk}"' in html
    assert 'id="count-present"' in html and 'id="checkin-window"' in html


# ---------------------------------------------------------------------------- roster


def test_roster_lists_the_class_and_who_already_has_it(trainer, world, cm, people):
    first = people["in"][0]
    when = minutes_ago(5)
    batch(trainer, cm, [scan(first.badge_token, when)])
    body = trainer.get(reverse("materials:handout-roster", args=[cm.pk])).json()
    assert body["mode"] == "handout"
    assert body["material"]["title"] == "Sổ tay nghiệp vụ biên giới"
    assert body["material"]["edition"] == "Tiếng Việt, in lần 1"
    assert body["material"]["class_code"] == world.class_a.code
    # Everyone in class A, in Vietnamese order (by given name), nobody from class B.
    assert [p["name"] for p in body["participants"]] == [
        "Nguyễn Thị Hường",
        "Lò Văn Pành",
        "Vàng A Sử",
    ]
    tokens = {p["token"] for p in body["participants"]}
    assert tokens == {e.badge_token for e in people["in"]}
    assert set(body["participants"][0]) >= {"token", "enrollment", "name", "unit", "category"}
    assert body["handovers"] == [
        {
            "enrollment": first.pk,
            "handed_at": timezone.localtime(when).isoformat(),
            "method": "scan",
        }
    ]
    assert body["server_time"]


# ---------------------------------------------------------------------------- results


def test_handed_then_already(trainer, world, cm, people):
    e = people["in"][1]
    r = batch(trainer, cm, [scan(e.badge_token, minutes_ago(3))])
    assert r.status_code == 200
    (res,) = r.json()["results"]
    assert res["result"] == "handed" and res["name"] == "Lò Văn Pành"
    h = Handover.objects.get()
    assert (h.class_material, h.enrollment, h.method, h.recorded_by, h.device) == (
        cm,
        e,
        "scan",
        world.trainer,
        "phone-1",
    )
    assert h.handed_at == minutes_ago(3)
    assert str(h.nonce) == res["nonce"]
    (res,) = batch(trainer, cm, [scan(e.badge_token, minutes_ago(1))]).json()["results"]
    assert res["result"] == "already_handed" and res["name"] == "Lò Văn Pành"
    assert Handover.objects.count() == 1


def test_unknown_badge_and_another_class_s_badge_are_refused(trainer, cm, people):
    r = batch(
        trainer,
        cm,
        [scan("forged-" + "x" * 20), scan(people["foreign"].badge_token)],
    )
    unknown, foreign = r.json()["results"]
    assert unknown["result"] == "unknown_token" and unknown["name"] == ""
    assert foreign["result"] == "not_enrolled" and foreign["name"] == "Tòng Thị Ánh"
    assert not Handover.objects.exists()


def test_a_badge_code_typed_with_spaces_is_found(trainer, cm, people):
    (res,) = batch(trainer, cm, [scan(f"  {people['in'][0].badge_token}\n")]).json()["results"]
    assert res["result"] == "handed"


def test_replay_by_nonce_gives_the_same_answers_and_creates_nothing(trainer, cm, people):
    a, b = people["in"][0], people["in"][1]
    scans = [
        scan(a.badge_token, minutes_ago(4)),
        scan(a.badge_token, minutes_ago(3)),  # the same person again
        scan(b.badge_token, minutes_ago(2)),
        scan("forged-" + "y" * 20, minutes_ago(2)),
        scan(people["foreign"].badge_token, minutes_ago(1)),
    ]
    first = batch(trainer, cm, scans).json()
    assert [r["result"] for r in first["results"]] == [
        "handed",
        "already_handed",
        "handed",
        "unknown_token",
        "not_enrolled",
    ]
    rows = list(Handover.objects.order_by("pk").values())
    # The upload is retried (its answer was lost), whole and then one scan at a time.
    assert batch(trainer, cm, scans).json() == first
    for one, answer in zip(scans, first["results"], strict=True):
        assert batch(trainer, cm, [one]).json()["results"] == [answer]
    assert list(Handover.objects.order_by("pk").values()) == rows


def test_earliest_scan_time_is_kept(trainer, cm, people):
    """Two phones at the door upload out of order: the earliest scan wins."""
    token = people["in"][2].badge_token
    batch(trainer, cm, [scan(token, minutes_ago(10))])
    (res,) = batch(trainer, cm, [scan(token, minutes_ago(30))]).json()["results"]
    assert res["result"] == "already_handed"
    assert Handover.objects.get().handed_at == minutes_ago(30)
    batch(trainer, cm, [scan(token, minutes_ago(20))])
    assert Handover.objects.get().handed_at == minutes_ago(30)


def test_a_scan_from_the_future_takes_the_server_time(trainer, cm, people):
    before = timezone.now()
    batch(trainer, cm, [scan(people["in"][0].badge_token, before + datetime.timedelta(days=1))])
    assert before <= Handover.objects.get().handed_at <= timezone.now()


def test_a_skewed_device_clock_is_corrected(trainer, cm, people):
    # The phone's clock is 10 minutes behind: its "20 minutes ago" was really 10 minutes ago.
    device_now = timezone.now() - datetime.timedelta(minutes=10)
    batch(
        trainer,
        cm,
        [scan(people["in"][0].badge_token, minutes_ago(20))],
        device_time=device_now.isoformat(),
    )
    handed_at = Handover.objects.get().handed_at
    assert abs(handed_at - minutes_ago(10)) < datetime.timedelta(seconds=5)


def test_a_small_clock_difference_is_not_corrected(trainer, cm, people):
    device_now = timezone.now() - datetime.timedelta(seconds=30)
    batch(
        trainer,
        cm,
        [scan(people["in"][0].badge_token, minutes_ago(20))],
        device_time=device_now.isoformat(),
    )
    assert Handover.objects.get().handed_at == minutes_ago(20)


def test_the_other_trainer_cannot_hand_out_in_class_a(client, world, cm, people):
    client.force_login(world.other_trainer)
    r = batch(client, cm, [scan(people["in"][0].badge_token)])
    assert r.status_code == 404 and r.json()["error"]
    assert not Handover.objects.exists()


def test_a_trainer_of_the_class_through_another_session(client, world, cm, people):
    """Any trainer of one of the class's sessions may hand out its material."""
    t = f.trainer(f.user(f.Role.TRAINER, username="giangvien3"))
    f.session(
        world.class_a,
        trainers=[t],
        topic="Buổi chiều",
        start_time=datetime.time(13, 30),
        end_time=datetime.time(17, 0),
    )
    client.force_login(t.user)
    (res,) = batch(client, cm, [scan(people["in"][0].badge_token)]).json()["results"]
    assert res["result"] == "handed"


# ---------------------------------------------------------------------------- bad input


def vietnamese(msgid: str) -> str:
    with translation.override("vi"):
        text = translation.gettext(msgid)
    assert text != msgid, f"{msgid!r} has no Vietnamese translation"
    return text


def test_bad_json_is_a_400_in_vietnamese(trainer, cm):
    r = trainer.post(
        reverse("materials:handout-batch", args=[cm.pk]),
        "{not json",
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json() == {"error": vietnamese("The request is not valid JSON.")}
    r = post(trainer, reverse("materials:handout-batch", args=[cm.pk]), ["a list"])
    assert r.status_code == 400
    assert r.json() == {"error": vietnamese("The request must be a JSON object.")}


@pytest.mark.parametrize(
    ("change", "field", "msgid"),
    [
        ({"device": ""}, "device", "The device id is missing."),
        ({"scans": "all of them"}, "scans", "“scans” must be a list."),
        ({"device_time": "sáng nay"}, "device_time", None),
    ],
)
def test_a_bad_request_names_the_field_in_vietnamese(trainer, cm, people, change, field, msgid):
    """What is wrong with the batch as a whole refuses it: nothing is recorded."""
    body = {"device": "phone-1", "scans": [scan(people["in"][0].badge_token)], **change}
    r = post(trainer, reverse("materials:handout-batch", args=[cm.pk]), body)
    assert r.status_code == 400
    assert r.json()["field"] == field
    if msgid:
        assert r.json()["error"] == vietnamese(msgid)
    else:
        expected = vietnamese("%(field)s must be a date and time in ISO 8601 format.")
        assert r.json()["error"] == expected % {"field": field}
    assert not Handover.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "msgid"),
    [
        ({"token": "  "}, "token", "The scanned code is missing."),
        ({"token": None}, "token", "The scanned code is missing."),
        ({"nonce": "nope"}, "nonce", "The nonce must be a UUID."),
        ({"scanned_at": "hôm qua"}, "scanned_at", None),
    ],
)
def test_a_bad_scan_is_refused_on_its_own_in_vietnamese(trainer, cm, people, change, field, msgid):
    """A bad scan gets its own answer naming the field; the good one beside it is recorded
    (it used to refuse the whole batch, holding the phone's queue back)."""
    good = scan(people["in"][0].badge_token)
    bad = {**scan(people["in"][1].badge_token), **change}
    r = batch(trainer, cm, [bad, good])
    assert r.status_code == 200
    refused, recorded = r.json()["results"]
    assert refused["result"] == "invalid" and refused["field"] == field
    assert refused["nonce"] == (None if field == "nonce" else bad["nonce"])
    if msgid:
        assert refused["reason"] == vietnamese(msgid)
    else:
        expected = vietnamese("%(field)s must be a date and time in ISO 8601 format.")
        assert refused["reason"] == expected % {"field": field}
    assert recorded["result"] == "handed"
    assert list(Handover.objects.values_list("enrollment", flat=True)) == [people["in"][0].pk]


def test_a_scan_that_is_not_an_object(trainer, cm):
    r = batch(trainer, cm, ["token"])
    assert r.status_code == 200
    assert r.json()["results"] == [
        {
            "nonce": None,
            "result": "invalid",
            "name": "",
            "handed_at": None,
            "field": "scans",
            "reason": vietnamese("Each scan must be a JSON object."),
        }
    ]


def test_too_many_scans(trainer, cm, people):
    r = batch(trainer, cm, [scan(people["in"][0].badge_token)] * 501)
    assert r.status_code == 400 and r.json()["field"] == "scans"
    assert not Handover.objects.exists()


def test_csrf_is_checked_as_for_attendance(world, cm, people):
    """Session login + CSRF token, like the attendance batch: without the token both refuse
    with the same status; with it (the scanner sends X-CSRFToken) both accept."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.trainer)
    handout_url = reverse("materials:handout-batch", args=[cm.pk])
    attendance_url = reverse("api-checkin-batch")
    body = json.dumps({"device": "phone-1", "scans": []})
    refused = [
        client.post(url, body, content_type="application/json").status_code
        for url in (handout_url, attendance_url)
    ]
    assert refused == [403, 403]
    client.get(reverse("materials:handout-scanner", args=[cm.pk]))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = [
        client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        for url in (handout_url, attendance_url)
    ]
    assert [r.status_code for r in accepted] == [200, 200]
    assert accepted[0].json() == {"results": []}
