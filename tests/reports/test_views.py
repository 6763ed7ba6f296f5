"""Report pages × personas, and that no page or export leaks another unit's people."""

import pytest
from django.urls import reverse

from reports.models import ReportJob

pytestmark = pytest.mark.django_db

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


def _pages(world, year):
    code = year["klass"].code
    return {
        "dashboard": ("get", reverse("reports:dashboard") + "?year=2023"),
        "class": ("get", reverse("reports:class", args=[code])),
        "xlsx": ("get", reverse("reports:class-export", args=[code, "xlsx"])),
        "csv": ("get", reverse("reports:class-export", args=[code, "csv"]) + "?view=absentees"),
        "pdf": ("get", reverse("reports:class-export", args=[code, "pdf"]) + "?view=units"),
    }


# fmt: off
EXPECTED = {
    #             anon outs nomA nomB trnr othr view coord
    "dashboard": (302, 403, 200, 200, 200, 200, 200, 200),
    "class":     (302, 403, 200, 200, 200, 404, 200, 200),
    "xlsx":      (302, 403, 200, 200, 200, 404, 200, 200),
    "csv":       (302, 403, 200, 200, 200, 404, 200, 200),
    "pdf":       (302, 403, 200, 200, 200, 404, 200, 200),
}
# fmt: on


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_report_access(client, world, year, page, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    method, url = _pages(world, year)[page]
    response = getattr(client, method)(url)
    assert response.status_code == EXPECTED[page][PERSONAS.index(persona)], f"{persona} on {page}"


@pytest.mark.parametrize("page", ["dashboard", "class", "csv"])
def test_a_unit_never_sees_another_units_people(client, world, year, page):
    client.force_login(world.nominator_a)
    method, url = _pages(world, year)[page]
    response = getattr(client, method)(url)
    body = response.content.decode("utf-8-sig")
    assert "Vàng A Dơ" not in body and "Phong Thổ" not in body
    if page != "dashboard":
        assert "Nguyễn Thị Hường" in body


def test_the_class_page_shows_the_matrix(client, world, year):
    client.force_login(world.viewer)
    page = client.get(reverse("reports:class", args=[year["klass"].code])).content.decode()
    row = page[page.index(f'data-enrollment="{year["huong"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert ">M<" in row and ">x<" in row and ">V<" in row and "2/3 · 66,7%" in row
    assert "chưa xét" in row  # no session is closed: eligibility is not decided yet


def test_dashboard_charts_show_the_rates(client, world, year):
    client.force_login(world.coordinator)
    page = client.get(reverse("reports:dashboard"), {"year": 2023}).content.decode()
    # 6 sessions attended of 9 due in the class: 66.7 %.
    assert f'data-label="{year["klass"].code}" data-value="66.7"' in page
    assert 'data-label="UBND huyện Mường Tè" data-value="83.3"' in page


def test_year_export_runs_in_the_background_for_the_requester(
    client, world, year, django_capture_on_commit_callbacks
):
    client.force_login(world.nominator_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:year-export", args=[2023]))
    job = ReportJob.objects.get()
    assert job.state == "done" and job.requested_by == world.nominator_a
    status = client.get(reverse("reports:job-status", args=[job.pk])).json()
    assert status["percent"] == 100
    assert client.get(reverse("reports:job-file", args=[job.pk])).status_code == 200
    client.force_login(world.nominator_b)  # another unit cannot fetch it
    assert client.get(reverse("reports:job-file", args=[job.pk])).status_code == 403


@pytest.mark.parametrize("value", ["-5", "0", "99999", "abc", ""])
def test_dashboard_with_an_impossible_year_shows_the_latest(client, world, year, value):
    client.force_login(world.coordinator)
    latest = client.get(reverse("reports:dashboard")).context["year"]
    response = client.get(reverse("reports:dashboard"), {"year": value})
    assert response.status_code == 200
    assert response.context["year"] == latest == 2024  # the class being planned
