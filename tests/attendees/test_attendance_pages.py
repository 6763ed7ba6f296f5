"""Attendance pages and PDFs × personas: trainers only for their own classes."""

import pytest
from django.urls import reverse

from attendees.models import Attendance, Enrollment
from courses.models import AuditLog
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

ATTENDANCE_URL_NAMES = {
    "session-picker",
    "scanner-sw",
    "scanner-manifest",
    "scanner",
    "attendance-panel",
    "attendance-correct",
    "session-close",
    "session-reopen",
    "class-badges",
    "badge-reissue",
}
#: certificates' own URLs whose access this matrix checks (the invitation letter).
INVITATION_URL_NAMES = {"invitation", "invitation-issue"}


@pytest.fixture
def enrolled(world):
    p = f.participant(world.unit_a, full_name="Nguyễn Thị Hường", gender="female")
    n = f.nomination(world.class_a, world.unit_a, person=p, state="approved")
    return Enrollment.objects.create(
        nomination=n,
        training_class=world.class_a,
        participant=p,
        organisation=world.unit_a,
        category=n.category,
    )


def _pages(w, e):
    s = w.session_a.pk
    return {
        "picker": ("get", reverse("attendees:session-picker")),
        "scanner": ("get", reverse("attendees:scanner", args=[s])),
        "panel": ("get", reverse("attendees:attendance-panel", args=[s])),
        "correct": ("post", reverse("attendees:attendance-correct", args=[s])),
        "close": ("post", reverse("attendees:session-close", args=[s])),
        "close-page": ("get", reverse("attendees:session-close", args=[s])),
        "reopen": ("get", reverse("attendees:session-reopen", args=[s])),
        "badges": ("get", reverse("attendees:class-badges", args=[w.class_a.code])),
        "invitation": ("get", reverse("certificates:invitation", args=[e.pk])),
        "reissue": ("post", reverse("attendees:badge-reissue", args=[e.pk])),
        "issue": ("post", reverse("certificates:invitation-issue", args=[e.pk])),
        "sw": ("get", reverse("attendees:scanner-sw")),
        "manifest": ("get", reverse("attendees:scanner-manifest")),
        "roster": ("get", reverse("api-roster", args=[s])),
    }


# fmt: off
EXPECTED = {
    #              anon outsider nomA trainer other viewer coord
    "picker":     (302, 403, 403, 200, 200, 403, 200),
    "scanner":    (302, 403, 403, 200, 404, 403, 200),
    "panel":      (302, 403, 403, 200, 404, 403, 200),
    # "correct" posts an empty list: nothing changed, back to the list (#15), once the
    # role check has passed.
    "correct":    (302, 403, 403, 302, 404, 403, 302),
    "close":      (302, 403, 403, 302, 404, 403, 302),
    "close-page": (302, 403, 403, 200, 404, 403, 200),  # asks first (#15)
    # The coordinator's decision; session_a is open, so they are sent back to its panel.
    "reopen":     (302, 403, 403, 403, 403, 403, 302),
    "badges":     (302, 403, 403, 200, 404, 403, 200),
    "invitation": (302, 404, 200, 200, 404, 403, 200),
    "reissue":    (302, 403, 403, 403, 403, 403, 302),
    "issue":      (302, 403, 403, 403, 403, 403, 302),  # coordinator only
    "sw":         (200, 200, 200, 200, 200, 200, 200),  # public JS, like any static file
    "manifest":   (200, 200, 200, 200, 200, 200, 200),
    # Another class's trainer: 404, as for a session that does not exist (#13), like the
    # pages above; a 403 told that the session exists.
    "roster":     (401, 403, 403, 200, 404, 403, 200),
}
# fmt: on


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_attendance_page_access(client, world, enrolled, page, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    method, url = _pages(world, enrolled)[page]
    response = getattr(client, method)(url)
    assert response.status_code == EXPECTED[page][PERSONAS.index(persona)], f"{persona} on {page}"


def test_badges_and_invitation_are_pdfs(client, world, enrolled):
    client.force_login(world.trainer)
    assert client.get(
        reverse("attendees:class-badges", args=[world.class_a.code])
    ).content.startswith(b"%PDF")
    assert client.get(reverse("certificates:invitation", args=[enrolled.pk])).content.startswith(
        b"%PDF"
    )


def test_trainer_corrects_attendance_with_a_reason(client, world, enrolled):
    client.force_login(world.trainer)
    url = reverse("attendees:attendance-correct", args=[world.session_a.pk])
    status, reason = f"status-{enrolled.pk}", f"reason-{enrolled.pk}"
    client.post(url, {status: "excused", reason: ""})
    assert not Attendance.objects.exists()  # no reason, nothing saved
    client.post(url, {status: "excused", reason: "Đi công tác"})
    a = Attendance.objects.get()
    assert (a.status, a.reason, a.updated_by) == ("excused", "Đi công tác", world.trainer)
    assert AuditLog.objects.filter(action="attendance.correct", actor=world.trainer).exists()


def test_closing_a_session_marks_the_missing_absent(client, world, enrolled):
    client.force_login(world.trainer)
    client.post(reverse("attendees:session-close", args=[world.session_a.pk]), {"confirm": "yes"})
    assert Attendance.objects.get(enrollment=enrolled).status == "absent"
    world.session_a.refresh_from_db()
    assert world.session_a.closed_at is not None


def test_reissue_changes_the_code(client, world, enrolled):
    old = enrolled.badge_token
    client.force_login(world.coordinator)
    client.post(reverse("attendees:badge-reissue", args=[enrolled.pk]))
    enrolled.refresh_from_db()
    assert enrolled.badge_token != old and len(enrolled.badge_token) >= 22


def test_service_worker_may_control_the_scanner_pages(client):
    response = client.get(reverse("attendees:scanner-sw"))
    assert response["Service-Worker-Allowed"] == "/scan/"
    assert response["Content-Type"].startswith("application/javascript")
