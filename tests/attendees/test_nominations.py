"""Nomination life cycle and quota rules, through the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from attendees import services
from attendees.models import Enrollment, Nomination, Participant
from courses.models import AuditLog
from tests import factories as f


@pytest.fixture
def setup(world):
    # Unit A has 30 seats in category a of class A.
    return world


def _drafts(world, n, code="a"):
    return [f.nomination(world.class_a, world.unit_a, code) for _ in range(n)]


def test_submit_moves_drafts_and_is_audited(setup):
    w = setup
    drafts = _drafts(w, 3)
    services.nominations_submit(actor=w.nominator_a, nominations=drafts)
    assert set(
        Nomination.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)
    ) == {"submitted"}
    assert AuditLog.objects.filter(action="nomination.submit", actor=w.nominator_a).count() == 3


def test_submit_over_quota_is_refused_and_changes_nothing(setup):
    w = setup
    drafts = _drafts(w, 31)
    with pytest.raises(ValidationError) as err:
        services.nominations_submit(actor=w.nominator_a, nominations=drafts)
    assert "30" in err.value.messages[0]
    assert not Nomination.objects.filter(state="submitted").exists()


def test_submit_in_a_category_without_quota_is_refused(setup):
    w = setup
    with pytest.raises(ValidationError):
        services.nomination_create(
            actor=w.nominator_a,
            training_class=w.class_a,
            organisation=w.unit_a,
            category=f.category("d"),
            participant=f.participant(w.unit_a),
        )


def test_approve_creates_enrollments(setup):
    w = setup
    drafts = _drafts(w, 2)
    services.nominations_submit(actor=w.nominator_a, nominations=drafts)
    services.nominations_approve(actor=w.coordinator, nominations=drafts)
    assert Enrollment.objects.filter(training_class=w.class_a).count() == 2
    n = Nomination.objects.get(pk=drafts[0].pk)
    assert n.state == "approved" and n.decided_by == w.coordinator


def test_approving_a_draft_is_refused(setup):
    w = setup
    (draft,) = _drafts(w, 1)
    with pytest.raises(ValidationError):
        services.nominations_approve(actor=w.coordinator, nominations=[draft])
    assert not Enrollment.objects.exists()


def test_approve_respects_a_quota_lowered_after_submission(setup):
    w = setup
    drafts = _drafts(w, 3)
    services.nominations_submit(actor=w.nominator_a, nominations=drafts)
    from courses.models import Quota

    Quota.objects.filter(training_class=w.class_a, organisation=w.unit_a).update(seats=2)
    with pytest.raises(ValidationError):
        services.nominations_approve(actor=w.coordinator, nominations=drafts)
    assert not Enrollment.objects.exists()


def test_return_needs_a_reason_and_shows_it(setup):
    w = setup
    drafts = _drafts(w, 1)
    services.nominations_submit(actor=w.nominator_a, nominations=drafts)
    with pytest.raises(ValidationError):
        services.nominations_return(actor=w.coordinator, nominations=drafts, reason="  ")
    services.nominations_return(actor=w.coordinator, nominations=drafts, reason="Sai đối tượng")
    n = Nomination.objects.get(pk=drafts[0].pk)
    assert n.state == "returned" and n.return_reason == "Sai đối tượng"
    # The unit corrects and resubmits; the reason is cleared.
    services.nominations_submit(actor=w.nominator_a, nominations=[n])
    n.refresh_from_db()
    assert n.state == "submitted" and n.return_reason == ""


def test_the_same_person_cannot_be_nominated_twice_to_a_class(setup):
    w = setup
    person = f.participant(w.unit_a)
    services.nomination_create(
        actor=w.nominator_a,
        training_class=w.class_a,
        organisation=w.unit_a,
        category=f.category("a"),
        participant=person,
    )
    with pytest.raises(ValidationError):
        services.nomination_create(
            actor=w.nominator_a,
            training_class=w.class_a,
            organisation=w.unit_a,
            category=f.category("a"),
            participant=person,
        )


def test_nominations_only_while_the_class_is_nominating(setup):
    w = setup
    w.class_a.state = "running"
    w.class_a.save()
    with pytest.raises(ValidationError):
        services.nomination_create(
            actor=w.nominator_a,
            training_class=w.class_a,
            organisation=w.unit_a,
            category=f.category("a"),
            participant=f.participant(w.unit_a),
        )


def test_substitution_keeps_the_seat_and_moves_the_enrollment(setup):
    w = setup
    w.class_a.start_date = datetime.date.today() + datetime.timedelta(days=10)
    w.class_a.end_date = w.class_a.start_date + datetime.timedelta(days=2)
    w.class_a.sessions.all().delete()
    w.class_a.save()
    (n,) = _drafts(w, 1)
    services.nominations_submit(actor=w.nominator_a, nominations=[n])
    services.nominations_approve(actor=w.coordinator, nominations=[n])
    newcomer = f.participant(w.unit_a, full_name="Tòng Thị Ánh")
    new = services.nomination_substitute(actor=w.nominator_a, nomination=n, participant=newcomer)
    assert new.state == "approved" and new.substitute_for_id == n.pk
    assert Nomination.objects.get(pk=n.pk).state == "substituted"
    assert list(
        Enrollment.objects.filter(training_class=w.class_a).values_list(
            "participant__full_name", flat=True
        )
    ) == ["Tòng Thị Ánh"]
    assert AuditLog.objects.filter(action="nomination.substitute", actor=w.nominator_a).exists()


def test_substitution_after_the_class_started_is_refused(setup):
    w = setup  # class A started in 2023
    (n,) = _drafts(w, 1)
    services.nominations_submit(actor=w.nominator_a, nominations=[n])
    with pytest.raises(ValidationError):
        services.nomination_substitute(
            actor=w.nominator_a, nomination=n, participant=f.participant(w.unit_a)
        )


def test_withdraw_frees_the_seat(setup):
    w = setup
    drafts = _drafts(w, 30)
    services.nominations_submit(actor=w.nominator_a, nominations=drafts)
    services.nomination_withdraw(actor=w.nominator_a, nomination=drafts[0])
    extra = _drafts(w, 1)
    services.nominations_submit(actor=w.nominator_a, nominations=extra)
    assert Nomination.objects.filter(state="submitted").count() == 30


def test_duplicate_person_is_detected_by_citizen_id_or_name_and_birth_date(setup):
    w = setup
    p = f.participant(
        w.unit_a,
        full_name="Nguyễn Thị Hường",
        date_of_birth=datetime.date(1990, 3, 4),
        gender="female",
        citizen_id="012190001234",
    )
    import unicodedata

    same_name = Participant(
        full_name=unicodedata.normalize("NFD", "nguyễn thị hường"),
        date_of_birth=datetime.date(1990, 3, 4),
        organisation=w.unit_b,
    )
    assert list(same_name.duplicates()) == [p]
    same_id = Participant(
        full_name="Khác Tên",
        date_of_birth=datetime.date(1991, 1, 1),
        citizen_id="012190001234",
        organisation=w.unit_b,
    )
    assert list(same_id.duplicates()) == [p]
    with pytest.raises(ValidationError):
        services.participant_save(actor=w.nominator_b, participant=same_name)


def test_citizen_id_contradicting_gender_is_refused(setup):
    w = setup
    # 4th digit 0 = man born in the 1900s; the person is a woman.
    p = Participant(
        full_name="Lò Thị Ơn",
        gender="female",
        date_of_birth=datetime.date(1990, 1, 1),
        citizen_id="012090001234",
        organisation=w.unit_a,
    )
    with pytest.raises(ValidationError) as err:
        p.full_clean()
    assert "citizen_id" in err.value.message_dict


def test_erasure_keeps_statistics_but_not_identity(setup):
    w = setup
    p = f.participant(
        w.unit_a,
        full_name="Vàng A Sử",
        citizen_id="012090001234",
        phone="+84912345678",
        date_of_birth=datetime.date(1990, 1, 1),
    )
    f.nomination(w.class_a, w.unit_a, person=p)
    services.participant_erase(actor=w.coordinator, participant=p)
    p.refresh_from_db()
    assert (
        "Vàng" not in p.full_name
        and p.citizen_id == ""
        and p.phone == ""
        and p.date_of_birth is None
    )
    assert p.birth_year == 1990 and p.gender == "male" and p.nominations.count() == 1
    assert AuditLog.objects.filter(action="participant.erase", target_id=str(p.pk)).exists()


def test_search_is_accent_insensitive(setup):
    w = setup
    f.participant(w.unit_a, full_name="Nguyễn Thị Hường")
    f.participant(w.unit_a, full_name="Đặng Văn Dũng")
    assert [p.full_name for p in Participant.objects.search("huong")] == ["Nguyễn Thị Hường"]
    assert [p.full_name for p in Participant.objects.search("dang dung")] == ["Đặng Văn Dũng"]
    assert [p.full_name for p in Participant.objects.search("HƯỜNG")] == ["Nguyễn Thị Hường"]
