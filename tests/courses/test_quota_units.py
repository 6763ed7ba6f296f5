"""The quota grid says which nominating units it leaves out because they did not exist on
the class's dates (issue 15 item 6): a 2026 class lists two units where 2023 listed
fifteen, because the 2025 reform dissolved the districts."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.groups import COORDINATOR_GROUP
from accounts.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def class_2026(db):
    f.organisation(name="UBND huyện Mường Tè", code="107", valid_to=datetime.date(2025, 6, 30))
    f.organisation(name="UBND huyện Phong Thổ", code="109", valid_to=datetime.date(2025, 6, 30))
    f.organisation(name="Bộ Chỉ huy Bộ đội Biên phòng tỉnh", code="BDBP")
    f.organisation(
        name="Sở Khoa học và Công nghệ", code="SKHCN", valid_from=datetime.date(2025, 3, 1)
    )
    f.organisation(
        name="Báo cũ", code="OLD", can_nominate=False, valid_to=datetime.date(2024, 1, 1)
    )
    return f.training_class(code="TTDN-2026-L1", start_date=datetime.date(2026, 3, 10))


def test_quota_grid_names_the_units_that_no_longer_existed(client, class_2026):
    client.force_login(f.user(Role.COORDINATOR))
    response = client.get(reverse("courses:quota-edit", args=[class_2026.code]))
    assert response.status_code == 200
    form = response.context["form"]
    assert [u.code for u in form.units] == ["BDBP", "SKHCN"]
    assert [u.code for u in form.units_not_valid] == ["107", "109"]
    body = response.content.decode()
    assert "Có 2 đơn vị cử học viên tồn tại vào ngày khai giảng lớp (10/03/2026)." in body
    assert "2 đơn vị khác có trong danh mục nhưng không được liệt kê" in body
    assert "UBND huyện Mường Tè — hiệu lực đến ngày 30/06/2025" in body
    assert "bỏ cấp huyện từ ngày 01/7/2025" in body
    assert "Báo cũ" not in body  # never nominated: not the grid's business
    # A coordinator without the admin group is told whom to ask.
    assert 'id="add-unit"' not in body
    assert "đề nghị người quản trị hệ thống" in body


def test_a_unit_not_yet_founded_says_from_when(client, class_2026):
    f.organisation(name="UBND xã Mới", code="XA", valid_from=datetime.date(2026, 4, 1))
    client.force_login(f.user(Role.COORDINATOR))
    body = client.get(reverse("courses:quota-edit", args=[class_2026.code])).content.decode()
    assert "UBND xã Mới — hiệu lực từ ngày 01/04/2026" in body


def test_quota_grid_links_to_adding_a_unit_for_the_admin_group(client, class_2026):
    coordinator = f.user(Role.COORDINATOR, is_staff=True)
    coordinator.groups.add(Group.objects.get(name=COORDINATOR_GROUP))
    client.force_login(coordinator)
    body = client.get(reverse("courses:quota-edit", args=[class_2026.code])).content.decode()
    link = reverse("admin:courses_organisation_add") + "?can_nominate=on"
    assert f'href="{link}"' in body
    assert client.get(link).status_code == 200


def test_2023_class_lists_every_district_and_no_missing_unit(client, class_2026):
    klass = f.training_class(code="TTDN-2023-L9", start_date=datetime.date(2023, 10, 10))
    client.force_login(f.user(Role.COORDINATOR))
    response = client.get(reverse("courses:quota-edit", args=[klass.code]))
    assert {u.code for u in response.context["form"].units} == {"107", "109", "BDBP"}
    assert [u.code for u in response.context["form"].units_not_valid] == ["SKHCN"]
    assert "UBND huyện Mường Tè — hiệu lực" not in response.content.decode()
