"""The coordinator's accounts page (issue 15 item 6): create unit officers, trainers and
viewers, change them, disable and reopen them — never coordinators or superusers."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role, User
from courses.models import AuditLog, Trainer
from tests import factories as f

pytestmark = pytest.mark.django_db

STRONG = "Bai-giang-2026!"


def _create(client, **data):
    payload = {
        "username": "canbo.muongte",
        "full_name": "Lò Thị Xuân",
        "email": "",
        "role": Role.NOMINATOR,
        "organisation": "",
        "trainer": "",
        "password": "",
        **data,
    }
    return client.post(reverse("accounts:create"), payload)


def test_coordinator_creates_a_unit_officer_who_sees_only_their_unit(client, world):
    client.force_login(world.coordinator)
    response = _create(client, organisation=world.unit_a.pk, password=STRONG)
    assert response.status_code == 302
    officer = User.objects.get(username="canbo.muongte")
    assert (officer.role, officer.organisation, officer.is_staff) == (
        Role.NOMINATOR,
        world.unit_a,
        False,
    )
    entry = AuditLog.objects.get(action="account.create", target_id=str(officer.pk))
    assert entry.actor == world.coordinator
    assert STRONG not in str(entry.changes)

    client.logout()
    assert client.login(username="canbo.muongte", password=STRONG)
    page = client.get(reverse("courses:dashboard")).content.decode()
    assert world.class_a.code in page  # unit A has seats there
    assert world.class_b.code not in page  # only unit B has seats there
    people = client.get(reverse("attendees:home"))
    assert people.status_code == 200


def test_a_generated_password_is_shown_once_and_works(client, world):
    client.force_login(world.coordinator)
    response = _create(client, organisation=world.unit_b.pk)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="new-password"' in body
    assert "no-store" in response["Cache-Control"]
    password = body.split('id="new-password">')[1].split("<")[0]
    assert len(password) == 12
    client.logout()
    assert client.login(username="canbo.muongte", password=password)


def test_weak_password_is_refused_beside_the_field(client, world):
    client.force_login(world.coordinator)
    response = _create(client, organisation=world.unit_a.pk, password="12345678")
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(username="canbo.muongte").exists()


def test_unit_officer_needs_a_unit_that_exists_today(client, world):
    dissolved = f.organisation(name="UBND huyện Cũ", valid_to=datetime.date(2025, 6, 30))
    client.force_login(world.coordinator)
    response = _create(client, organisation=dissolved.pk, password=STRONG)
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    response = _create(client, organisation="", password=STRONG)
    assert "organisation" in response.context["form"].errors
    assert not User.objects.filter(username="canbo.muongte").exists()


def test_trainer_account_binds_an_existing_trainer_or_creates_one(client, world):
    free = f.trainer(full_name="Tòng Văn Hặc")
    client.force_login(world.coordinator)
    _create(client, username="hac", role=Role.TRAINER, trainer=free.pk, password=STRONG)
    free.refresh_from_db()
    assert free.user.username == "hac"

    _create(client, username="moi", full_name="Quàng Thị Mai", role=Role.TRAINER, password=STRONG)
    created = Trainer.objects.get(user__username="moi")
    assert created.full_name == "Quàng Thị Mai"
    assert User.objects.get(username="moi").organisation is None


def test_trainer_with_an_account_is_not_offered_again(client, world):
    client.force_login(world.coordinator)
    form = client.get(reverse("accounts:create")).context["form"]
    offered = {t.pk for t in form.fields["trainer"].queryset}
    assert world.trainer.trainer.pk not in offered
    response = _create(
        client, username="x", role=Role.TRAINER, trainer=world.trainer.trainer.pk, password=STRONG
    )
    assert "trainer" in response.context["form"].errors


@pytest.mark.parametrize("persona", ["nominator_a", "trainer", "viewer", "outsider"])
@pytest.mark.parametrize("name", ["list", "create", "edit", "disable", "enable"])
def test_other_roles_get_403_on_the_account_pages(client, world, persona, name):
    client.force_login(getattr(world, persona))
    args = [world.nominator_b.pk] if name in {"edit", "disable", "enable"} else []
    assert client.get(reverse(f"accounts:{name}", args=args)).status_code == 403
    assert (
        client.post(reverse(f"accounts:{name}", args=args), {"confirm": "yes"}).status_code == 403
    )
    world.nominator_b.refresh_from_db()
    assert world.nominator_b.is_active


@pytest.mark.parametrize(
    "extra",
    [
        {"role": Role.COORDINATOR},
        {"role": Role.NOMINATOR, "is_superuser": "on", "is_staff": "on"},
        {"role": "", "is_superuser": "1"},
    ],
)
def test_cannot_escalate_to_coordinator_or_superuser(client, world, extra):
    client.force_login(world.coordinator)
    response = _create(client, organisation=world.unit_a.pk, password=STRONG, **extra)
    officer = User.objects.filter(username="canbo.muongte").first()
    if officer is None:
        assert response.status_code == 200
        assert "role" in response.context["form"].errors
    else:
        assert (officer.role, officer.is_superuser, officer.is_staff) == (
            Role.NOMINATOR,
            False,
            False,
        )
    # Nor by editing an existing account.
    client.post(
        reverse("accounts:edit", args=[world.nominator_b.pk]),
        {"full_name": "Vàng A Sử", "organisation": world.unit_b.pk, "trainer": "", **extra},
    )
    world.nominator_b.refresh_from_db()
    assert world.nominator_b.role == Role.NOMINATOR
    assert not world.nominator_b.is_superuser and not world.nominator_b.is_staff


def test_service_refuses_coordinator_role_even_without_the_form(world):
    from django.core.exceptions import PermissionDenied

    from accounts import services

    with pytest.raises(PermissionDenied):
        services.account_create(
            actor=world.coordinator, username="sep", full_name="Sếp", role=Role.COORDINATOR
        )
    with pytest.raises(PermissionDenied):
        services.account_create(
            actor=world.nominator_a, username="x", full_name="X", role=Role.VIEWER
        )
    assert not User.objects.filter(username__in=["sep", "x"]).exists()


def test_coordinator_accounts_and_own_account_are_not_editable_here(client, world):
    other = f.user(Role.COORDINATOR, username="dieuphoi2")
    admin = f.user("", username="quantri", is_superuser=True, is_staff=True)
    client.force_login(world.coordinator)
    for target in (other, admin, world.coordinator):
        for name in ("edit", "disable"):
            url = reverse(f"accounts:{name}", args=[target.pk])
            assert client.get(url).status_code == 403
            assert client.post(url, {"confirm": "yes"}).status_code == 403
        target.refresh_from_db()
        assert target.is_active
    listing = client.get(reverse("accounts:list")).content.decode()
    assert reverse("accounts:edit", args=[other.pk]) not in listing
    assert reverse("accounts:edit", args=[world.nominator_a.pk]) in listing


def test_disable_asks_first_then_is_audited_and_the_user_cannot_log_in(client, world):
    officer = world.nominator_a
    other = client.__class__()
    assert other.login(username=officer.username, password="pw")

    client.force_login(world.coordinator)
    url = reverse("accounts:disable", args=[officer.pk])
    ask = client.get(url)
    assert ask.status_code == 200
    assert "Tạm khoá tài khoản" in ask.content.decode()
    client.post(url)  # without the confirmation: nothing happens
    officer.refresh_from_db()
    assert officer.is_active

    assert client.post(url, {"confirm": "yes"}).status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active
    entry = AuditLog.objects.get(action="account.disable", target_id=str(officer.pk))
    assert entry.actor == world.coordinator
    assert entry.changes == {"is_active": [True, False]}
    # Logged out at its next request, and cannot log in again.
    assert other.get(reverse("courses:dashboard")).status_code == 302
    assert not client.__class__().login(username=officer.username, password="pw")

    assert (
        client.post(reverse("accounts:enable", args=[officer.pk]), {"confirm": "yes"}).status_code
        == 302
    )
    officer.refresh_from_db()
    assert officer.is_active
    assert AuditLog.objects.filter(action="account.enable", target_id=str(officer.pk)).exists()
    assert client.__class__().login(username=officer.username, password="pw")


def test_edit_moves_an_officer_and_resets_the_password(client, world):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("accounts:edit", args=[world.nominator_a.pk]),
        {
            "full_name": "Lò Văn Thắng",
            "role": Role.NOMINATOR,
            "organisation": world.unit_b.pk,
            "trainer": "",
            "generate_password": "on",
        },
    )
    assert response.status_code == 200
    password = response.content.decode().split('id="new-password">')[1].split("<")[0]
    world.nominator_a.refresh_from_db()
    assert world.nominator_a.organisation == world.unit_b
    entry = AuditLog.objects.get(action="account.update")
    assert entry.changes["organisation"] == [world.unit_a.pk, world.unit_b.pk]
    assert entry.changes["password_reset"] is True
    assert password not in str(entry.changes)
    assert client.__class__().login(username="muongte", password=password)


def test_list_is_in_vietnamese_name_order_and_filters(client, world):
    world.nominator_a.full_name = "Lò Văn Thắng"
    world.nominator_a.save()
    world.nominator_b.full_name = "Vàng A Sử"
    world.nominator_b.save()
    f.user(Role.VIEWER, username="an", full_name="Đỗ Thị Ánh")
    f.user(Role.VIEWER, username="anh", full_name="Nguyễn Văn Anh")
    client.force_login(world.coordinator)
    response = client.get(reverse("accounts:list"))
    names = [a.username for a in response.context["accounts"]]
    # Given names first, "Anh" before "Ánh" before "Sử" before "Thắng".
    assert names.index("anh") < names.index("an") < names.index("phongtho") < names.index("muongte")

    response = client.get(
        reverse("accounts:list"), {"role": Role.NOMINATOR, "unit": world.unit_b.pk}
    )
    assert [a.username for a in response.context["accounts"]] == ["phongtho"]
    body = response.content.decode()
    assert "UBND huyện Phong Thổ" in body

    world.viewer.is_active = False
    world.viewer.save()
    response = client.get(reverse("accounts:list"), {"active": "0"})
    assert [a.username for a in response.context["accounts"]] == ["xem"]


def test_coordinator_menu_and_home_link_to_the_accounts(client, world):
    client.force_login(world.coordinator)
    body = client.get(reverse("courses:dashboard")).content.decode()
    assert body.count(f'href="{reverse("accounts:list")}"') == 2  # menu and home
    client.force_login(world.viewer)
    assert reverse("accounts:list") not in client.get(reverse("courses:dashboard")).content.decode()


def test_officer_of_a_dissolved_unit_keeps_it_until_moved(client, world):
    world.unit_a.valid_to = datetime.date(2025, 6, 30)
    world.unit_a.save()
    client.force_login(world.coordinator)
    url = reverse("accounts:edit", args=[world.nominator_a.pk])
    form = client.get(url).context["form"]
    assert world.unit_a in form.fields["organisation"].queryset  # their own, still offered
    response = client.post(
        url,
        {
            "full_name": "Lò Văn Thắng Mới",
            "role": Role.NOMINATOR,
            "organisation": world.unit_a.pk,
            "trainer": "",
        },
    )
    assert response.status_code == 302
    world.nominator_a.refresh_from_db()
    assert (world.nominator_a.full_name, world.nominator_a.organisation) == (
        "Lò Văn Thắng Mới",
        world.unit_a,
    )
    # Nobody else joins it.
    other = client.get(reverse("accounts:edit", args=[world.nominator_b.pk])).context["form"]
    assert world.unit_a not in other.fields["organisation"].queryset
