"""Object-level checks the URL matrix cannot see, because they depend on *which* object
an id in the request names: a person to reuse when nominating, an upload into a class
that has since gone back to planning."""

from django.urls import reverse

from attendees.models import Nomination
from tests import factories as f


def _typed(**changes):
    return {
        "full_name": "Người Bất Kỳ",
        "gender": "male",
        "date_of_birth": "01/01/1990",
        "citizen_id": "",
        "phone": "",
        "position": "",
        "workplace": "",
        "on_state_payroll": "on",
        **changes,
    }


def test_unit_cannot_nominate_another_units_person_by_posting_their_id(client, world):
    stranger = f.participant(world.unit_a, full_name="Giàng Thị Dinh")
    client.force_login(world.nominator_b)
    url = reverse("attendees:nomination-add", args=[world.class_b.code])
    response = client.post(url, _typed(category=f.category("a").pk, reuse=stranger.pk))
    assert response.status_code == 403
    assert not Nomination.objects.filter(participant=stranger).exists()
    detail = client.get(reverse("attendees:person-detail", args=[stranger.pk]))
    assert detail.status_code == 404


def test_unit_may_reuse_its_own_record_it_was_offered(client, world):
    known = f.participant(world.unit_b, full_name="Giàng Thị Dinh")
    client.force_login(world.nominator_b)
    url = reverse("attendees:nomination-add", args=[world.class_b.code])
    typed = _typed(full_name="Giàng Thị Dinh", date_of_birth="17/05/1990", gender="female")
    offered = client.post(url, {**typed, "category": f.category("a").pk})
    assert offered.context["candidates"] == [known]
    response = client.post(url, {**typed, "category": f.category("a").pk, "reuse": known.pk})
    assert response.status_code == 302
    assert Nomination.objects.get(participant=known).organisation == world.unit_b


def test_unit_is_not_offered_another_units_record(client, world):
    """Another unit's person with the same name and birth date is neither offered nor
    linked: the unit gets its own record, held for the coordinator."""
    stranger = f.participant(world.unit_a, full_name="Giàng Thị Dinh")
    client.force_login(world.nominator_b)
    url = reverse("attendees:nomination-add", args=[world.class_b.code])
    typed = _typed(full_name="Giàng Thị Dinh", date_of_birth="17/05/1990", gender="female")
    response = client.post(url, {**typed, "category": f.category("a").pk})
    assert response.status_code == 302
    own = Nomination.objects.get(organisation=world.unit_b).participant
    assert own != stranger and own.organisation == world.unit_b
    assert own.possible_duplicate_of == stranger
    detail = client.get(reverse("attendees:person-detail", args=[stranger.pk]))
    assert detail.status_code == 404


def test_unit_cannot_open_its_upload_into_a_class_taken_back_to_planning(client, world):
    from attendees.models import ImportBatch
    from tests.security.world import IMPORTED_A, import_xlsx

    batch = ImportBatch.objects.create(
        training_class=world.class_planning,
        organisation=world.unit_a,
        uploaded_by=world.nominator_a,
        filename="ds.xlsx",
        content=import_xlsx([IMPORTED_A]),
    )
    client.force_login(world.nominator_a)
    url = reverse("attendees:import-preview", args=[batch.pk])
    response = client.get(url)
    assert response.status_code == 404
    assert world.class_planning.code not in response.content.decode()
    assert client.post(url).status_code == 404
    assert not Nomination.objects.filter(training_class=world.class_planning).exists()
