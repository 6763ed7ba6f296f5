"""The admin is for staff accounts only, whatever the role."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(db):
    return f.organisation(name="UBND huyện Mường Tè", code="107")


@pytest.fixture(
    params=[Role.COORDINATOR, Role.NOMINATOR, Role.TRAINER, Role.VIEWER],
    ids=lambda r: str(r),
)
def non_staff(request, unit):
    org = unit if request.param == Role.NOMINATOR else None
    return f.user(request.param, org, username=f"khong-staff-{request.param}")


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/courses/auditlog/", "/admin/accounts/user/", "/admin/attendees/"]
)
def test_non_staff_get_the_admin_login_instead(client, non_staff, url):
    client.force_login(non_staff)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_non_staff_admin_login_page_says_not_authorised(client, non_staff):
    client.force_login(non_staff)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert "not authorized to access this page" in response.content.decode()


def test_non_staff_cannot_log_in_through_the_admin_form(client, non_staff):
    response = client.post(
        reverse("admin:login"), {"username": non_staff.username, "password": "pw"}
    )
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


def test_staff_coordinator_opens_the_admin(client, unit):
    staff = f.user(Role.COORDINATOR, username="dieuphoi", is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert reverse("admin:courses_auditlog_changelist") in response.content.decode()


def test_staff_logs_in_through_the_admin_form(client):
    f.user(Role.COORDINATOR, username="quantri", is_staff=True)
    response = client.post(reverse("admin:login"), {"username": "quantri", "password": "pw"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_admin_link_only_for_staff(client, unit):
    plain = f.user(Role.COORDINATOR, username="dieuphoi")
    client.force_login(plain)
    assert reverse("admin:index") not in client.get(reverse("courses:dashboard")).content.decode()
    staff = f.user(Role.COORDINATOR, username="quantri", is_staff=True)
    client.force_login(staff)
    assert reverse("admin:index") in client.get(reverse("courses:dashboard")).content.decode()
