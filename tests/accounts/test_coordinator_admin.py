"""The admin works for the demo coordinator (issue 15 item 6): `seed_demo` puts dieuphoi in
the "Điều phối" group, whose permissions cover the reference data and nothing that could
make anyone a superuser."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from accounts.groups import COORDINATOR_GROUP, coordinator_group_ensure
from accounts.models import User
from courses.models import Organisation, Trainer

pytestmark = pytest.mark.django_db

ADMIN_LISTS = [
    "admin:courses_trainer_changelist",
    "admin:courses_venue_changelist",
    "admin:courses_organisation_changelist",
    "admin:materials_language_changelist",
    "admin:certificates_registerseries_changelist",
    "admin:certificates_certificatesettings_changelist",
]


@pytest.fixture
def dieuphoi(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    return User.objects.get(username="dieuphoi")


def test_the_group_exists_after_migrate_without_account_permissions(db):
    group = Group.objects.get(name=COORDINATOR_GROUP)
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert ("courses", "add_organisation") in codenames
    assert ("materials", "change_language") in codenames
    assert ("certificates", "change_registerseries") in codenames
    apps = {app for app, _code in codenames}
    assert not apps & {"auth", "accounts", "contenttypes", "admin", "sessions"}
    assert not any(code.startswith("delete_") for _app, code in codenames)


def test_ensure_completes_the_group_and_keeps_what_an_admin_added(db):
    group = Group.objects.get(name=COORDINATOR_GROUP)
    extra = Permission.objects.get(codename="view_plan")
    group.permissions.add(extra)
    group.permissions.remove(Permission.objects.get(codename="add_trainer"))
    coordinator_group_ensure()
    codes = set(group.permissions.values_list("codename", flat=True))
    assert {"view_plan", "add_trainer"} <= codes


def test_seed_demo_puts_dieuphoi_in_the_group_once(dieuphoi):
    assert list(dieuphoi.groups.values_list("name", flat=True)) == [COORDINATOR_GROUP]
    assert not dieuphoi.is_superuser
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert dieuphoi.groups.count() == 1
    assert not User.objects.filter(is_superuser=True).exists()


def test_admin_index_lists_the_reference_data_for_dieuphoi(client, dieuphoi):
    client.force_login(dieuphoi)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bạn không có quyền" not in body
    for name in ADMIN_LISTS:
        assert reverse(name) in body, name
        assert client.get(reverse(name)).status_code == 200, name
    # Accounts are managed on the app's page, never through the admin.
    assert reverse("admin:accounts_user_changelist") not in body
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    user = User.objects.get(username="muongte")
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {"username": "muongte", "is_superuser": "on", "is_staff": "on"},
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser


def test_dieuphoi_adds_a_commune_with_validity_dates_through_the_admin(client, dieuphoi):
    client.force_login(dieuphoi)
    add = reverse("admin:courses_organisation_add")
    assert client.get(add + "?can_nominate=on").status_code == 200
    response = client.post(
        add,
        {
            "name": "UBND xã Mường Tè",
            "short_name": "",
            "kind": "commune_ubnd",
            "parent": "",
            "code": "XA-MT",
            "gso_code": "",
            "valid_from": "01/07/2025",
            "valid_to": "",
            "place": "Mường Tè",
            "can_nominate": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Organisation.objects.get(code="XA-MT")
    assert unit.valid_from == datetime.date(2025, 7, 1)
    assert unit.valid_to is None
    assert unit.can_nominate
    assert unit in Organisation.objects.nominating().valid_on(datetime.date(2026, 3, 1))

    # A "valid to" before "valid from" is refused beside the field, nothing saved.
    response = client.post(
        add,
        {
            "name": "UBND xã Sai",
            "kind": "commune_ubnd",
            "code": "XA-SAI",
            "valid_from": "01/07/2025",
            "valid_to": "30/06/2025",
        },
    )
    assert response.status_code == 200
    assert not Organisation.objects.filter(code="XA-SAI").exists()


def test_dieuphoi_edits_a_trainer_but_cannot_bind_a_login_in_the_admin(client, dieuphoi):
    client.force_login(dieuphoi)
    trainer = Trainer.objects.filter(user__isnull=True).first()
    url = reverse("admin:courses_trainer_change", args=[trainer.pk])
    response = client.post(
        url,
        {
            "full_name": trainer.full_name,
            "title": "ThS.",
            "affiliation": trainer.affiliation,
            "phone": "",
            "email": "",
            "user": str(dieuphoi.pk),
        },
    )
    assert response.status_code == 302
    trainer.refresh_from_db()
    assert trainer.title == "ThS."
    assert trainer.user is None
