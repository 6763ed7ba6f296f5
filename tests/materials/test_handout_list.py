"""The hand-out tick list of a class material: a save changes only the rows the user
changed, so badges scanned while the list was open survive it; a scanned hand-over is
removed only by an explicit undo with a reason, which is audited."""

from __future__ import annotations

import datetime
import uuid
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import AuditLog
from materials import services
from materials.models import Handover, HandoverMethod
from tests import factories as f

pytestmark = pytest.mark.django_db


class _ListForm(HTMLParser):
    """What a browser would submit from the list page as it was rendered: the ticked
    checkboxes that have a name, and the hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self.checkboxes: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag != "input" or not a.get("name") or a["name"] == "csrfmiddlewaretoken":
            return
        if a.get("type") == "checkbox":
            self.checkboxes[a["value"]] = a
            if "checked" in a and "disabled" not in a:
                self.fields.setdefault(a["name"], []).append(a["value"])
        elif a.get("type") == "hidden":
            self.fields.setdefault(a["name"], []).append(a["value"])


def _open_list(client, url) -> _ListForm:
    response = client.get(url)
    assert response.status_code == 200
    form = _ListForm()
    form.feed(response.content.decode())
    return form


def _scan(world, cm, enrollment, *, minutes_ago: int = 0) -> None:
    outcome = services.handover_scan(
        actor=world.trainer,
        class_material=cm,
        token=enrollment.badge_token,
        nonce=uuid.uuid4(),
        scanned_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        device="phone-cua",
    )
    assert outcome.result == "handed"


@pytest.fixture
def class_of_eight(world, handbook):
    people = [
        f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name=name))
        for name in [
            "Lò Văn Ánh",
            "Vàng Thị Dợ",
            "Tao Văn Sình",
            "Giàng A Páo",
            "Sùng Thị Mỷ",
            "Lò Thị Gạ",
            "Pờ Xé Chừ",
            "Lý Thị Mai",
        ]
    ]
    cm = services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=handbook.editions.get()
    )
    return cm, people


def _url(world, cm) -> str:
    return reverse("materials:class-material", args=[world.class_a.code, cm.pk])


def test_a_badge_scanned_while_the_list_was_open_survives_the_save(client, world, class_of_eight):
    """The case of the issue: 5 ticked, Gạ scanned at the door, 2 more ticked, saved."""
    cm, people = class_of_eight
    anh, do, sinh, pao, my, ga, chu, mai = people
    client.force_login(world.trainer)
    client.post(_url(world, cm), {"enrollment": [e.pk for e in (anh, do, sinh, pao, my)]})
    page = _open_list(client, _url(world, cm))  # the trainer opens the list: 5 ticked

    _scan(world, cm, ga)  # a colleague scans Lò Thị Gạ at the door: 6 in the database

    form = page.fields  # the trainer ticks Chừ and Mai and saves
    form["enrollment"] = [*form["enrollment"], str(chu.pk), str(mai.pk)]
    response = client.post(_url(world, cm), form, follow=True)

    handed = dict(Handover.objects.filter(class_material=cm).values_list("enrollment", "method"))
    assert handed == {
        **{e.pk: "list" for e in (anh, do, sinh, pao, my, chu, mai)},
        ga.pk: "scan",
    }
    text = response.content.decode()
    assert "Đã lưu: thêm 2 người, bỏ 0 người." in text
    log = AuditLog.objects.filter(action="material.handover").order_by("pk").last()
    assert (log.changes["added"], log.changes["removed"]) == (sorted([chu.pk, mai.pk]), [])


def test_unticking_only_removes_what_the_user_unticked(client, world, class_of_eight):
    cm, people = class_of_eight
    anh, do, sinh = people[:3]
    services.handovers_update(
        actor=world.trainer, class_material=cm, ticked=[anh.pk, do.pk], unticked=[]
    )
    client.force_login(world.trainer)
    page = _open_list(client, _url(world, cm))
    # Meanwhile the coordinator ticks Sình on another computer.
    services.handovers_update(
        actor=world.coordinator, class_material=cm, ticked=[sinh.pk], unticked=[]
    )

    form = page.fields
    form["enrollment"] = [str(do.pk)]  # the trainer unticks Ánh
    client.post(_url(world, cm), form)

    assert set(Handover.objects.values_list("enrollment", flat=True)) == {do.pk, sinh.pk}


def test_a_scanned_row_is_locked_on_the_list_with_an_undo_link(client, world, class_of_eight):
    cm, people = class_of_eight
    ga = people[5]
    _scan(world, cm, ga)
    client.force_login(world.trainer)
    page = _open_list(client, _url(world, cm))
    html = client.get(_url(world, cm)).content.decode()

    assert str(ga.pk) not in page.fields.get("enrollment", [])
    assert str(ga.pk) not in page.fields.get("was_ticked", [])
    assert reverse("materials:handover-undo", args=[world.class_a.code, cm.pk, ga.pk]) in html


def test_unticking_a_scanned_hand_over_in_a_forged_post_keeps_it(client, world, class_of_eight):
    cm, people = class_of_eight
    ga, chu = people[5], people[6]
    _scan(world, cm, ga)
    client.force_login(world.trainer)

    response = client.post(
        _url(world, cm),
        {"enrollment": [str(chu.pk)], "was_ticked": [str(ga.pk)]},
        follow=True,
    )

    handed = dict(Handover.objects.filter(class_material=cm).values_list("enrollment", "method"))
    assert handed == {ga.pk: "scan", chu.pk: "list"}
    text = response.content.decode()
    assert "Lò Thị Gạ" in text and "quét thẻ" in text  # the warning names her
    log = AuditLog.objects.filter(action="material.handover").order_by("pk").last()
    assert log.changes["kept_scanned"] == [ga.pk] and log.changes["removed"] == []


def test_a_post_without_the_shown_list_only_adds(client, world, class_of_eight):
    """An old page (or any client) that sends only ticks removes nobody."""
    cm, people = class_of_eight
    anh, do = people[:2]
    services.handovers_update(actor=world.trainer, class_material=cm, ticked=[anh.pk], unticked=[])
    client.force_login(world.trainer)

    client.post(_url(world, cm), {"enrollment": [str(do.pk), "²", "9" * 5000]})

    assert set(Handover.objects.values_list("enrollment", flat=True)) == {anh.pk, do.pk}


def test_undoing_a_scan_needs_a_reason_and_is_audited(client, world, class_of_eight):
    cm, people = class_of_eight
    ga = people[5]
    _scan(world, cm, ga, minutes_ago=3)
    scanned = Handover.objects.get(enrollment=ga)
    url = reverse("materials:handover-undo", args=[world.class_a.code, cm.pk, ga.pk])
    client.force_login(world.trainer)

    page = client.get(url)
    assert page.status_code == 200 and "Lò Thị Gạ" in page.content.decode()

    refused = client.post(url, {"reason": "   "})
    assert refused.status_code == 200
    assert Handover.objects.filter(enrollment=ga).exists()
    assert not AuditLog.objects.filter(action="material.handover_undo").exists()

    response = client.post(url, {"reason": "Quét nhầm tài liệu"})
    assert response.status_code == 302
    assert not Handover.objects.filter(enrollment=ga).exists()
    log = AuditLog.objects.get(action="material.handover_undo")
    assert log.actor == world.trainer
    assert log.changes["reason"] == "Quét nhầm tài liệu"
    assert log.changes["enrollment"] == ga.pk
    assert log.changes["method"] == HandoverMethod.SCAN
    assert log.changes["device"] == "phone-cua"
    assert log.changes["handed_at"] == scanned.handed_at.isoformat()


@pytest.mark.parametrize("persona", ["viewer", "nominator_a", "other_trainer"])
def test_only_those_who_hand_out_may_undo(client, world, class_of_eight, persona):
    cm, people = class_of_eight
    ga = people[5]
    _scan(world, cm, ga)
    client.force_login(getattr(world, persona))
    url = reverse("materials:handover-undo", args=[world.class_a.code, cm.pk, ga.pk])

    response = client.post(url, {"reason": "Thử"})

    assert response.status_code in (403, 404)
    assert Handover.objects.filter(enrollment=ga).exists()
