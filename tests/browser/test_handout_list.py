"""The hand-out tick list in real Chromium: the trainer opens the list, a colleague scans a
badge at the door meanwhile, the trainer ticks two more and saves — the scan stays; then
the scan is undone on its own page with a reason."""

import datetime
import uuid

import pytest
from django.utils import timezone

from courses.models import AuditLog
from demo.seed import DEMO_PASSWORD
from materials import services
from materials.models import Edition, Handover, Language, Material
from tests import factories as f
from tests.browser.conftest import login_with_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_scan_during_the_list_survives_and_is_undone_with_a_reason(browser, live_server, world):
    names = ["Lò Văn Ánh", "Vàng Thị Dợ", "Lò Thị Gạ", "Pờ Xé Chừ", "Lý Thị Mai"]
    people = {
        n: f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name=n))
        for n in names
    }
    material = services.material_save(
        actor=world.coordinator,
        material=Material(title="Sổ tay nghiệp vụ biên giới", kind="handbook", year=2023),
    )
    edition = services.edition_create(
        actor=world.coordinator,
        edition=Edition(material=material, label="Tiếng Việt", year=2023, printed_copies=100),
        languages=[Language.objects.get(code="vi")],
    )
    cm = services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=edition
    )
    services.handovers_update(
        actor=world.trainer,
        class_material=cm,
        ticked=[people["Lò Văn Ánh"].pk, people["Vàng Thị Dợ"].pk],
        unticked=[],
    )
    world.trainer.set_password(DEMO_PASSWORD)
    world.trainer.save()

    context = browser.new_context(base_url=live_server.url, viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and violations.append(m.text),
    )
    login_with_form(page, world.trainer.username)
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"/classes/{world.class_a.code}/materials/{cm.pk}/")
    assert page.locator("#handed-count").inner_text() == "2/5"

    # A colleague scans Lò Thị Gạ at the door while the list is open.
    services.handover_scan(
        actor=world.coordinator,
        class_material=cm,
        token=people["Lò Thị Gạ"].badge_token,
        nonce=uuid.uuid4(),
        scanned_at=timezone.now() - datetime.timedelta(seconds=5),
        device="phone-cua",
    )

    page.get_by_label("Pờ Xé Chừ").check()
    page.get_by_label("Lý Thị Mai").check()
    page.get_by_role("button", name="Lưu danh sách").click()
    page.wait_for_load_state()
    assert "thêm 2 người, bỏ 0 người" in page.locator("main").inner_text()
    assert Handover.objects.filter(class_material=cm).count() == 5
    assert Handover.objects.get(enrollment=people["Lò Thị Gạ"]).method == "scan"
    # Gạ's row is now locked (ticked, disabled) with an undo link.
    row = page.locator("tr[data-scanned]")
    assert row.count() == 1 and "Lò Thị Gạ" in row.inner_text()
    assert page.locator(f"#e{people['Lò Thị Gạ'].pk}").is_disabled()
    screenshot(page, "handout-list-after-save")

    row.get_by_role("link", name="Hoàn tác").click()
    page.wait_for_load_state()
    assert "Lò Thị Gạ" in page.locator("#who").inner_text()
    screenshot(page, "handout-undo")
    page.get_by_label("Lý do").fill("Quét nhầm tài liệu")
    page.get_by_role("button", name="Hoàn tác lần phát").click()
    page.wait_for_load_state()
    assert "Đã hoàn tác lần phát tài liệu cho Lò Thị Gạ." in page.locator("main").inner_text()
    assert not Handover.objects.filter(enrollment=people["Lò Thị Gạ"]).exists()
    assert AuditLog.objects.get(action="material.handover_undo").changes["reason"] == (
        "Quét nhầm tài liệu"
    )
    screenshot(page, "handout-list-after-undo")
    assert violations == []
    context.close()
