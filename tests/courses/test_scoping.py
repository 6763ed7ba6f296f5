"""Every page × every persona. A unit's officer sees only classes its unit has seats in,
and only its own quotas; a trainer only the classes they teach; outsiders nothing."""

import datetime

import pytest
from django.urls import reverse

PERSONAS = [
    "anonymous",
    "outsider",
    "nominator_a",
    "nominator_b",
    "trainer",
    "other_trainer",
    "viewer",
    "coordinator",
]


def _client(client, world, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    return client


def _pages(world):
    a = world.class_a.code
    return {
        "dashboard": ("get", reverse("courses:dashboard")),
        "class_detail": ("get", reverse("courses:class-detail", args=[a])),
        "class_create": ("get", reverse("courses:class-create")),
        "class_edit": ("get", reverse("courses:class-edit", args=[a])),
        "class_state": ("post", reverse("courses:class-change-state", args=[a])),
        "class_close": ("get", reverse("courses:class-close", args=[a])),
        "class_reopen": ("get", reverse("courses:class-reopen", args=[a])),
        "quota_edit": ("get", reverse("courses:quota-edit", args=[a])),
        "session_create": ("get", reverse("courses:session-create", args=[a])),
        "session_edit": ("get", reverse("courses:session-edit", args=[world.session_a.pk])),
        "session_delete": ("post", reverse("courses:session-delete", args=[world.session_a.pk])),
    }


# Expected status of each page of class A for each persona (302 = sent to the login page).
EXPECTED = {
    #                 anon  outsider nomA nomB trainer other viewer coord
    "dashboard": (302, 403, 200, 200, 200, 200, 200, 200),
    "class_detail": (302, 403, 200, 200, 200, 404, 200, 200),
    "class_create": (302, 403, 403, 403, 403, 403, 403, 200),
    "class_edit": (302, 403, 403, 403, 403, 403, 403, 200),
    "class_state": (302, 403, 403, 403, 403, 403, 403, 302),
    # Coordinator only; class A is nominating, neither closable nor closed: back to the class.
    "class_close": (302, 403, 403, 403, 403, 403, 403, 302),
    "class_reopen": (302, 403, 403, 403, 403, 403, 403, 302),
    "quota_edit": (302, 403, 403, 403, 403, 403, 403, 200),
    "session_create": (302, 403, 403, 403, 403, 403, 403, 200),
    "session_edit": (302, 403, 403, 403, 403, 403, 403, 200),
    "session_delete": (302, 403, 403, 403, 403, 403, 403, 302),
}


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_access_per_persona(client, world, page, persona):
    method, url = _pages(world)[page]
    response = getattr(_client(client, world, persona), method)(url)
    expected = EXPECTED[page][PERSONAS.index(persona)]
    assert response.status_code == expected, f"{persona} on {page}"
    if expected == 302 and persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def test_every_courses_url_is_in_the_matrix(world):
    from courses.urls import urlpatterns

    covered = {url for _m, url in _pages(world).values()}
    names = {p.name for p in urlpatterns}
    resolved = {
        reverse(f"courses:{name}", args=args)
        for name, args in [
            ("dashboard", []),
            ("class-create", []),
            ("class-detail", [world.class_a.code]),
            ("class-edit", [world.class_a.code]),
            ("class-change-state", [world.class_a.code]),
            ("class-close", [world.class_a.code]),
            ("class-reopen", [world.class_a.code]),
            ("quota-edit", [world.class_a.code]),
            ("session-create", [world.class_a.code]),
            ("session-edit", [world.session_a.pk]),
            ("session-delete", [world.session_a.pk]),
        ]
    }
    assert len(names) == len(resolved) and resolved == covered


def test_nominator_dashboard_lists_only_open_classes_of_their_unit(client, world):
    client.force_login(world.nominator_b)
    body = client.get(reverse("courses:dashboard")).content.decode()
    assert world.class_a.code in body and world.class_b.code in body
    client.force_login(world.nominator_a)
    body = client.get(reverse("courses:dashboard")).content.decode()
    assert world.class_a.code in body
    assert world.class_b.code not in body  # no seats there
    assert world.class_planning.code not in body  # still being planned


def test_nominator_sees_only_their_units_quota_on_a_shared_class(client, world):
    client.force_login(world.nominator_a)
    body = client.get(reverse("courses:class-detail", args=[world.class_a.code])).content.decode()
    assert world.unit_a.name in body
    assert world.unit_b.name not in body


def test_nominator_cannot_open_a_class_without_seats(client, world):
    client.force_login(world.nominator_a)
    assert client.get(reverse("courses:class-detail", args=[world.class_b.code])).status_code == 404
    assert (
        client.get(reverse("courses:class-detail", args=[world.class_planning.code])).status_code
        == 404
    )


def test_trainer_sees_only_the_classes_they_teach_and_no_unit_split(client, world):
    client.force_login(world.trainer)
    body = client.get(reverse("courses:dashboard")).content.decode()
    assert world.class_a.code in body and world.class_b.code not in body
    detail = client.get(reverse("courses:class-detail", args=[world.class_a.code])).content.decode()
    assert world.unit_a.name not in detail and world.unit_b.name not in detail


def test_viewer_and_coordinator_see_every_class_and_every_unit(client, world):
    for persona in (world.viewer, world.coordinator):
        client.force_login(persona)
        url = reverse("courses:dashboard")
        body = (
            client.get(url + "?year=2023").content.decode()
            + client.get(url + "?year=2024").content.decode()
        )
        assert all(k.code in body for k in (world.class_a, world.class_b, world.class_planning))
        detail = client.get(
            reverse("courses:class-detail", args=[world.class_a.code])
        ).content.decode()
        assert world.unit_a.name in detail and world.unit_b.name in detail


def test_viewer_gets_no_edit_buttons(client, world):
    client.force_login(world.viewer)
    body = client.get(reverse("courses:class-detail", args=[world.class_a.code])).content.decode()
    assert reverse("courses:class-edit", args=[world.class_a.code]) not in body
    assert reverse("courses:quota-edit", args=[world.class_a.code]) not in body


def test_outsider_is_told_to_ask_for_a_role(client, world):
    client.force_login(world.outsider)
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 403
    assert "Sở" in response.content.decode()  # the Vietnamese explanation, not a bare 403


def test_admin_is_closed_to_non_staff(client, world):
    client.force_login(world.coordinator)  # coordinator role without is_staff
    assert client.get("/admin/").status_code == 302


def test_seat_totals_are_not_multiplied_by_the_scoping_joins(world):
    from courses.models import Session, TrainingClass
    from tests import factories as f

    # A trainer teaching several sessions of a class must not see its seats counted twice.
    t = world.trainer.trainer
    f.session(
        world.class_a, start_time=datetime.time(13, 30), end_time=datetime.time(17), trainers=[t]
    )
    assert Session.objects.filter(training_class=world.class_a, trainers=t).count() == 2
    for persona in (world.trainer, world.nominator_a, world.coordinator):
        klass = TrainingClass.objects.visible_to(persona).with_seats().get(pk=world.class_a.pk)
        assert klass.allocated_seats == 35, persona
