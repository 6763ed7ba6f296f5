"""The department's review page (issue 15, item 3): what it opens on, its filters and
groups, the flags on suspicious rows, select-all without JavaScript, and an error that
keeps the chosen action and the ticks; and the bulk services behind it, all or nothing."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendees import services
from attendees.models import Enrollment, Nomination
from courses.models import AuditLog
from tests import factories as f

URL = reverse("attendees:review")


def _submitted(klass, unit, code="a", **person):
    p = f.participant(unit, **person) if person else None
    return f.nomination(klass, unit, code, person=p, state="submitted")


def _body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _checked_ids(body: str) -> set[int]:
    return {
        int(m)
        for m in re.findall(
            r'<input class="form-check-input" type="checkbox" name="ids" value="(\d+)"[^>]*\schecked',
            body,
        )
    }


def _selected(body: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return re.search(r'<option value="([^"]*)" selected', select).group(1)


@pytest.fixture
def review(world):
    """Class A: unit A has 3 submitted (category a, quota 30) and 1 approved; unit B has 2
    submitted in category c (quota 5). Class B: unit B has 1 submitted."""
    a = [
        _submitted(world.class_a, world.unit_a, full_name=name)
        for name in ("Lò Thị Ánh", "Vàng A Sử", "Giàng Thị Dợ")
    ]
    approved = f.enrollment(world.class_a, world.unit_a).nomination
    b = [_submitted(world.class_a, world.unit_b, "c") for _ in range(2)]
    other = _submitted(world.class_b, world.unit_b)
    return {"a": a, "approved": approved, "b": b, "other": other}


# --- The page -------------------------------------------------------------------------


def test_opens_on_submitted_one_class_a_page(client, world, review):
    client.force_login(world.coordinator)
    body = _body(client.get(URL))
    assert _selected(body, "state") == "submitted"
    assert "Lò Thị Ánh" in body
    assert review["approved"].participant.full_name not in body  # approved: not waiting
    # One class a page: class B's nomination is on page 2, named in the pager.
    assert review["other"].participant.full_name not in body
    assert re.search(r'href="\?[^"]*state=submitted[^"]*page=2"', body)
    page2 = _body(client.get(URL, {"page": 2}))
    assert review["other"].participant.full_name in page2
    assert "Lò Thị Ánh" not in page2
    # "All states" is still one choice away.
    everything = _body(client.get(URL, {"state": ""}))
    assert review["approved"].participant.full_name in everything


def test_filters_narrow_and_are_kept_in_links(client, world, review):
    client.force_login(world.coordinator)
    body = _body(client.get(URL, {"category": "c", "state": "submitted"}))
    assert "Lò Thị Ánh" not in body  # category a
    assert all(n.participant.full_name in body for n in review["b"])
    assert _selected(body, "category") == "c"
    body = _body(client.get(URL, {"unit": world.unit_b.pk}))
    assert "Lò Thị Ánh" not in body and review["b"][0].participant.full_name in body
    # The pager's links keep the unit filter.
    assert re.search(rf'href="\?[^"]*unit={world.unit_b.pk}[^"]*page=2"', body)
    body = _body(client.get(URL, {"training_class": world.class_b.code}))
    assert review["other"].participant.full_name in body and "Lò Thị Ánh" not in body


def test_grouped_by_class_then_unit_with_approved_over_quota(client, world, review):
    client.force_login(world.coordinator)
    body = _body(client.get(URL))
    unit_a = body.index(f'id="unit-{world.class_a.pk}-{world.unit_a.pk}"')
    unit_b = body.index(f'id="unit-{world.class_a.pk}-{world.unit_b.pk}"')
    assert unit_a < unit_b  # Mường Tè before Phong Thổ
    section_a = body[unit_a:unit_b]
    assert "a) đã duyệt 1/30" in section_a  # one approved of 30 seats
    assert all(n.participant.full_name in section_a for n in review["a"])
    assert "c) đã duyệt 0/5" in body[unit_b:]
    # People in official order inside a unit: Ánh, Dợ, Sử (by given name).
    names = [body.index(n) for n in ("Lò Thị Ánh", "Giàng Thị Dợ", "Vàng A Sử")]
    assert names == sorted(names)


def test_suspicious_rows_are_flagged(client, world):
    young = _submitted(
        world.class_a,
        world.unit_a,
        full_name="Lò Văn Trẻ",
        date_of_birth=datetime.date(2030, 3, 15),
    )
    # CCCD says born 1985 (4th digit 0: 1900s, male), the record says 1990.
    wrong_id = _submitted(
        world.class_a,
        world.unit_a,
        full_name="Vàng A Lử",
        citizen_id="012085009999",
        date_of_birth=datetime.date(1990, 1, 1),
    )
    twin_of = f.participant(
        world.unit_b, full_name="Tòng Thị Ánh", date_of_birth=datetime.date(1991, 2, 3)
    )
    twin = _submitted(
        world.class_a,
        world.unit_a,
        full_name="Tòng Thị Ánh",
        date_of_birth=datetime.date(1991, 2, 3),
    )
    fine = _submitted(world.class_a, world.unit_a, full_name="Lò Thị Bình")

    client.force_login(world.coordinator)
    body = _body(client.get(URL))

    def row(n):
        return re.search(rf'<tr[^>]*data-nomination="{n.pk}">(.*?)</tr>', body, re.S).group(0)

    assert 'data-flag="age"' in row(young) and "ngoài khoảng 16–80 tuổi" in row(young)
    assert 'data-flag="citizen_id"' in row(wrong_id) and "1985" in row(wrong_id)
    assert 'data-flag="duplicate"' in row(twin)
    assert reverse("attendees:person-detail", args=[twin_of.pk]) in row(twin)
    assert "data-flag" not in row(fine)
    assert "table-warning" in row(young) and "table-warning" not in row(fine)

    # A viewer reads the page but gets only the age flag: the CCCD and other units'
    # people are the coordinator's to see.
    client.force_login(world.viewer)
    body = _body(client.get(URL))
    assert 'data-flag="age"' in row(young)
    assert 'data-flag="citizen_id"' not in body and 'data-flag="duplicate"' not in body
    assert twin_of.organisation.name not in row(twin)


def test_return_without_reason_keeps_action_ticks_and_says_so_beside_reason(client, world, review):
    client.force_login(world.coordinator)
    ticked = [review["a"][0].pk, review["a"][2].pk]
    response = client.post(
        URL, {"action": "return", "ids": ticked, "shown": ticked, "reason": "  "}
    )
    body = _body(response)
    assert _selected(body, "action") == "return"  # not reset to "Approve"
    assert _checked_ids(body) == set(ticked)
    reason = re.search(r'id="reason-errors"[^>]*>(.*?)</div></div>', body, re.S).group(1)
    assert "Vui lòng nêu lý do trả lại" in reason
    assert 'class="alert alert-danger"' not in body  # not a banner at the top
    assert set(Nomination.objects.filter(pk__in=ticked).values_list("state", flat=True)) == {
        "submitted"
    }

    # The same form, now with a reason: returned, with it.
    response = client.post(
        URL, {"action": "return", "ids": ticked, "shown": ticked, "reason": "Thiếu chức vụ"}
    )
    assert response.status_code == 302
    assert set(Nomination.objects.filter(pk__in=ticked).values_list("state", "return_reason")) == {
        ("returned", "Thiếu chức vụ")
    }


def test_nothing_ticked_is_said_beside_the_action(client, world, review):
    client.force_login(world.coordinator)
    body = _body(client.post(URL, {"action": "return", "reason": "Sai"}))
    errors = re.search(r'id="action-errors"[^>]*>(.*?)</div></div>', body, re.S).group(1)
    assert "Vui lòng đánh dấu chọn ít nhất một lượt cử." in errors
    assert _selected(body, "action") == "return"
    assert 'value="Sai"' in body


def test_select_all_of_a_unit_without_javascript(client, world, review):
    client.force_login(world.coordinator)
    body = _body(client.get(URL))
    key = f"{world.class_a.pk}-{world.unit_a.pk}"
    assert f'name="all_unit" value="{key}"' in body
    shown = [int(v) for v in re.findall(r'name="shown" value="(\d+)"', body)]
    # Submitted after the page was drawn: never decided unseen.
    late = _submitted(world.class_a, world.unit_a, full_name="Lò Văn Muộn")
    response = client.post(URL, {"action": "approve", "all_unit": key, "shown": shown})
    assert response.status_code == 302
    assert set(
        Nomination.objects.filter(pk__in=[n.pk for n in review["a"]]).values_list(
            "state", flat=True
        )
    ) == {"approved"}
    assert Enrollment.objects.filter(nomination__in=review["a"]).count() == 3
    late.refresh_from_db()
    assert late.state == "submitted"
    assert {n.state for n in Nomination.objects.filter(pk__in=[n.pk for n in review["b"]])} == {
        "submitted"
    }


def test_select_all_of_a_class_without_javascript(client, world, review):
    client.force_login(world.coordinator)
    body = _body(client.get(URL))
    assert f'name="all_class" value="{world.class_a.pk}"' in body
    shown = [int(v) for v in re.findall(r'name="shown" value="(\d+)"', body)]
    response = client.post(
        URL, {"action": "return", "all_class": world.class_a.pk, "shown": shown, "reason": "Sai"}
    )
    assert response.status_code == 302
    class_a = [*review["a"], *review["b"]]
    assert {n.state for n in Nomination.objects.filter(pk__in=[n.pk for n in class_a])} == {
        "returned"
    }
    review["other"].refresh_from_db()
    assert review["other"].state == "submitted"  # class B untouched


def test_over_quota_names_the_people_marks_the_rows_and_changes_nothing(client, world, review):
    f.quota(world.class_b, world.unit_a, "a", 1)
    over = [
        _submitted(world.class_b, world.unit_a, full_name=n) for n in ("Lò Văn Một", "Lò Văn Hai")
    ]
    client.force_login(world.coordinator)
    ids = [n.pk for n in over] + [review["other"].pk]
    query = f"?training_class={world.class_b.code}"
    body = _body(client.post(URL + query, {"action": "approve", "ids": ids, "shown": ids}))
    errors = re.search(r'id="action-errors"[^>]*>(.*?)</div></div>', body, re.S).group(1)
    assert "Lò Văn Một" in errors and "Lò Văn Hai" in errors and "UBND huyện Mường Tè" in errors
    assert _selected(body, "action") == "approve"
    assert _checked_ids(body) == set(ids)
    for n in over:
        assert re.search(rf'<tr class="table-danger" data-over data-nomination="{n.pk}"', body)
    assert not re.search(
        rf'<tr class="table-danger" data-over data-nomination="{review["other"].pk}"', body
    )
    # Nothing approved, not even the row that fitted.
    assert set(Nomination.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        "submitted"
    }
    assert not Enrollment.objects.filter(nomination_id__in=ids).exists()


def test_rows_decided_meanwhile_are_named_and_nothing_changes(client, world, review):
    """Two rows ticked on the page were approved in another tab before "Apply"."""
    client.force_login(world.coordinator)
    ids = [n.pk for n in review["a"]]
    services.nominations_approve(actor=world.coordinator, nominations=review["a"][:2])
    body = _body(client.post(URL, {"action": "return", "ids": ids, "shown": ids, "reason": "Sai"}))
    errors = re.search(r'id="action-errors"[^>]*>(.*?)</div></div>', body, re.S).group(1)
    assert all(n.participant.full_name in errors for n in review["a"][:2])
    assert Nomination.objects.get(pk=review["a"][2].pk).state == "submitted"
    assert _selected(body, "action") == "return" and 'value="Sai"' in body


# --- The services ---------------------------------------------------------------------


def test_bulk_approve_is_all_or_nothing_across_classes_and_names_every_group(world, review):
    """Class A's unit A fits; class A's unit B (1 seat in c, 2 ticked) and class B's unit A
    (1 seat, 2 ticked) do not. The refusal names both groups and their people, and nothing
    is approved, not even the rows that fitted; without the over rows all goes through."""
    from courses.models import Quota

    Quota.objects.filter(training_class=world.class_a, organisation=world.unit_b).update(seats=1)
    f.quota(world.class_b, world.unit_a, "a", 1)
    b_over = [
        _submitted(world.class_b, world.unit_a, full_name=n) for n in ("Lò Văn Một", "Lò Văn Hai")
    ]
    chosen = [*review["a"], *review["b"], *b_over]
    with pytest.raises(ValidationError) as refused:
        services.nominations_approve(actor=world.coordinator, nominations=chosen)
    text = " ".join(refused.value.messages)
    assert len(refused.value.messages) == 2
    assert "Lò Văn Một" in text and "Lò Văn Hai" in text
    assert all(n.participant.full_name in text for n in review["b"])
    assert world.class_a.code in text and world.class_b.code in text
    assert refused.value.nomination_ids == {n.pk for n in [*review["b"], *b_over]}
    assert set(
        Nomination.objects.filter(pk__in=[n.pk for n in chosen]).values_list("state", flat=True)
    ) == {"submitted"}
    assert not Enrollment.objects.filter(nomination__in=chosen).exists()
    assert not AuditLog.objects.filter(action="nomination.approve").exists()

    fits = [*review["a"], review["b"][0], b_over[0]]
    assert len(services.nominations_approve(actor=world.coordinator, nominations=fits)) == 5
    rows = Nomination.objects.filter(pk__in=[n.pk for n in fits])
    assert {(n.state, n.decided_by_id) for n in rows} == {("approved", world.coordinator.pk)}
    assert Enrollment.objects.filter(nomination__in=rows).count() == 5
    assert AuditLog.objects.filter(action="nomination.approve").count() == 5


def test_bulk_return_is_all_or_nothing_and_names_every_stale_row(world, review):
    """Two of the ticked rows were approved in another tab meanwhile: nothing is returned,
    and both are named (not just the first)."""
    stale = review["a"][:2]
    services.nominations_approve(actor=world.coordinator, nominations=stale)
    with pytest.raises(ValidationError) as refused:
        services.nominations_return(
            actor=world.coordinator, nominations=review["a"], reason="Thiếu hồ sơ"
        )
    text = " ".join(refused.value.messages)
    assert all(n.participant.full_name in text for n in stale)
    fresh = Nomination.objects.get(pk=review["a"][2].pk)
    assert (fresh.state, fresh.return_reason) == ("submitted", "")
    assert not AuditLog.objects.filter(action="nomination.return").exists()

    services.nominations_return(
        actor=world.coordinator, nominations=[review["a"][2]], reason=" Thiếu hồ sơ "
    )
    fresh.refresh_from_db()
    assert (fresh.state, fresh.return_reason, fresh.decided_by_id) == (
        "returned",
        "Thiếu hồ sơ",
        world.coordinator.pk,
    )


def test_quota_use_is_what_the_approval_is_checked_against(world, review):
    use = services.quota_use([world.class_a.pk])
    assert (use[(world.class_a.pk, world.unit_a.pk, f.category("a").pk)].taken,) == (1,)
    assert use[(world.class_a.pk, world.unit_a.pk, f.category("a").pk)].seats == 30
    assert use[(world.class_a.pk, world.unit_b.pk, f.category("c").pk)].free == 5
