"""#15 item 6 in real Chromium: the coordinator edits an edition and withdraws it with a
reason, on the confirmation page, at a phone's width (390×844) and an office screen
(1366×768); the library no longer shows it. Screenshots in test-artifacts/materials-*.png."""

import pytest
from django.test import Client

from materials import services
from materials.models import Edition, Handover, Language, Material
from tests import factories as f
from tests.browser.conftest import screenshot
from tests.materials.conftest import pdf_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"phone": {"width": 390, "height": 844}, "office": {"width": 1366, "height": 768}}


@pytest.fixture
def catalogue(world):
    material = services.material_save(
        actor=world.coordinator,
        material=Material(title="Sổ tay nghiệp vụ biên giới", kind="handbook", year=2023),
    )
    vi = Language.objects.get(code="vi")
    right = services.edition_create(
        actor=world.coordinator,
        edition=Edition(material=material, label="Tiếng Việt, in lần 1 (2023)", year=2023),
        languages=[vi],
        uploads=[upload("Sổ tay (tiếng Việt).pdf", pdf_bytes("vi"))],
    )
    # Saved before names were compared case and spacing aside: the duplicate to withdraw.
    wrong = services.edition_create(
        actor=world.coordinator,
        edition=Edition(material=material, label="Bản nhập nhầm", year=2023, printed_copies=300),
        languages=[vi],
        uploads=[upload("nham.pdf", pdf_bytes("nham"))],
    )
    cm = services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=wrong
    )
    person = f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a))
    services.handovers_update(
        actor=world.coordinator, class_material=cm, ticked=[person.pk], unticked=[]
    )
    return material, right, wrong


def _page(browser, live_server, user, screen):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=SCREENS[screen],
        is_mobile=screen == "phone",
        has_touch=screen == "phone",
    )
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


@pytest.mark.parametrize("screen", list(SCREENS))
def test_edit_then_withdraw_an_edition_with_confirmation(
    browser, live_server, world, catalogue, screen
):
    material, _right, wrong = catalogue
    context, page = _page(browser, live_server, world.coordinator, screen)
    shot = lambda step: screenshot(page, f"materials-{screen}-{step}")  # noqa: E731

    # Editing: a name that differs from another edition only in case and spacing.
    page.goto(f"/materials/editions/{wrong.pk}/edit/")
    page.locator("#id_label").fill("tiếng việt,  in lần 1 (2023) ")
    page.get_by_role("button", name="Lưu").click()
    error = page.locator("#id_label").locator("xpath=..").locator(".invalid-feedback")
    assert "đã có phiên bản “Tiếng Việt, in lần 1 (2023)”" in error.inner_text()
    shot("1-edit-duplicate-name")

    # Withdrawing: the material's page, then the confirmation with the reason.
    page.goto(f"/materials/{material.pk}/")
    card = page.locator(f"#edition-{wrong.pk}")
    card.get_by_role("link", name="Thu hồi Bản nhập nhầm", exact=True).click()
    assert page.locator("h1").inner_text() == "Thu hồi phiên bản “Bản nhập nhầm”?"
    consequences = page.locator("#consequences").inner_text()
    assert "1 bản đã phát cho học viên vẫn được lưu" in consequences and "khôi phục" in consequences
    shot("2-confirm")
    page.locator("#confirm-button").click()  # no reason yet
    assert "Hãy nêu lý do thu hồi." in page.locator("#confirm-action").inner_text()
    page.get_by_label("Lý do thu hồi").fill("Trùng với bản tiếng Việt, nhập nhầm")
    page.locator("#confirm-button").click()
    page.wait_for_url(f"**/materials/{material.pk}/**")
    card = page.locator(f"#edition-{wrong.pk}")
    assert "Đã thu hồi" in card.inner_text()
    assert "Trùng với bản tiếng Việt, nhập nhầm" in card.inner_text()
    assert card.get_by_role("link", name="Khôi phục").is_visible()
    shot("3-withdrawn")
    wrong.refresh_from_db()
    assert wrong.is_withdrawn
    assert Handover.objects.filter(class_material__edition=wrong).count() == 1

    # The class's page keeps the hand-out as history.
    page.goto(f"/classes/{world.class_a.code}/materials/")
    history = page.locator("#withdrawn-materials")
    assert "Bản nhập nhầm" in history.inner_text() and "đã phát 1 bản" in history.inner_text()
    shot("4-class-history")

    # The catalogue marks it, and counts only the current edition's files.
    page.goto("/materials/")
    row = page.locator("tr", has_text=material.title)
    assert "Đã thu hồi" in row.inner_text() and "Bản nhập nhầm" in row.inner_text()
    shot("6-catalogue")
    context.close()

    # The public library: only the right edition.
    context, page = _page(browser, live_server, None, screen)
    page.goto(f"/library/{material.pk}/")
    body = page.locator("main").inner_text()
    assert "Tiếng Việt, in lần 1 (2023)" in body
    assert "Bản nhập nhầm" not in body and "nham.pdf" not in body
    screenshot(page, f"materials-{screen}-5-library")
    context.close()
