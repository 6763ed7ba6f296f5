"""The Content-Security-Policy holds in a real browser: every main page (and the admin)
renders and runs its scripts without one violation. A page that gains an inline script,
an onclick= or a style="..." fails here with the page and what was blocked."""

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from attendees.models import Enrollment, Participant
from core.audit import audit
from courses.models import Quota, Session, TrainingClass
from materials.models import ClassMaterial, Edition, Material
from tests import factories as f
from tests.browser.conftest import login_with_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs; violations are reported as DOM events.
COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))


@pytest.fixture
def watched(page):
    console = []
    page.on(
        "console",
        lambda msg: (
            console.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text
            else None
        ),
    )
    page.add_init_script(COLLECT)
    return page, console


def _visit(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    # Let scripts that start on load (charts, the scanner, job progress) run a turn.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)))")
    return [f"{path}: {v}" for v in page.evaluate("() => window.__csp")]


def _main_pages() -> list[str]:
    klass = TrainingClass.objects.get(code="TTDN-2023-L1")
    code = klass.code
    session = Session.objects.filter(training_class=klass).order_by("date", "start_time").first()
    person = Participant.objects.filter(
        pk__in=Enrollment.objects.filter(training_class=klass).values("participant")
    ).first()
    unit = Quota.objects.filter(training_class=klass).first().organisation_id
    material = Material.objects.first()
    edition = Edition.objects.first()
    class_material = ClassMaterial.objects.select_related("training_class").get()
    return [
        "/",
        f"/classes/{code}/",
        f"/classes/{code}/edit/",
        f"/classes/{code}/quotas/",
        f"/classes/{code}/sessions/new/",
        "/nominations/review/",
        f"/classes/{code}/nominations/?unit={unit}",
        f"/classes/{code}/nominations/import/?unit={unit}",
        f"/classes/{code}/composition/",
        f"/classes/{code}/enrollments/",
        "/people/",
        f"/people/{person.pk}/",
        f"/people/{person.pk}/edit/",
        "/scan/",
        f"/scan/{session.pk}/",
        f"/sessions/{session.pk}/attendance/",
        f"/classes/{code}/certificates/",
        f"/classes/{code}/certificates/settings/",
        "/materials/",
        f"/materials/{material.pk}/",
        f"/classes/{code}/materials/",
        f"/classes/{class_material.training_class.code}/materials/{class_material.pk}/",
        f"/scan/handout/{class_material.pk}/",
        f"/materials/editions/{edition.pk}/distribution/",
        "/materials/outstanding/",
        "/materials/totals/",
        "/library/",
        f"/library/{material.pk}/",
        "/reports/",
        f"/reports/classes/{code}/",
        f"/reports/classes/{code}/payments/",
        "/reports/results/",
        "/verify/",
    ]


def test_main_pages_satisfy_the_content_security_policy(watched, demo):
    page, console = watched
    login_with_form(page, "dieuphoi")
    page.wait_for_url("**/")
    violations = []
    for path in _main_pages():
        violations += _visit(page, path)
    assert not violations, "\n".join(violations)
    assert console == []


def test_public_pages_satisfy_the_content_security_policy(watched, transactional_db):
    page, console = watched
    violations = []
    for path in ("/login/", "/verify/", "/library/", "/admin/login/"):
        violations += _visit(page, path)
    assert not violations, "\n".join(violations)
    assert console == []


def test_admin_pages_satisfy_the_content_security_policy(watched, transactional_db):
    page, console = watched
    klass = f.training_class(code="TTDN-2023-L1")
    f.session(klass)
    user = f.user(Role.COORDINATOR, username="dieuphoi")
    audit(actor=user, action="class.create", target=klass)
    User.objects.create_superuser("quantri", password="quantri-mat-khau")
    page.goto("/admin/login/")
    page.fill("#id_username", "quantri")
    page.fill("#id_password", "quantri-mat-khau")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    violations = []
    for path in (
        "/admin/",
        "/admin/courses/auditlog/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/courses/trainingclass/",
        "/admin/courses/trainingclass/add/",
        f"/admin/courses/trainingclass/{klass.pk}/change/",
    ):
        violations += _visit(page, path)
    # Widgets built by script: the calendar and clock pop-ups, a new inline row.
    page.locator("a[id^=calendarlink]:visible").first.click()
    page.keyboard.press("Escape")
    page.locator("a[id^=clocklink]:visible").first.click()
    page.keyboard.press("Escape")
    page.locator(".add-row a:visible").first.click()
    page.evaluate("() => new Promise((r) => setTimeout(r, 50))")
    violations += [f"widgets: {v}" for v in page.evaluate("() => window.__csp")]
    assert not violations, "\n".join(violations)
    assert console == []
