"""Each invariant holds in the database itself, not only in forms — and each has a clear
message when it comes through a form or service."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from courses.models import Organisation, Quota, Session, TrainingClass
from tests import factories as f


@pytest.fixture
def klass(db):
    return f.training_class(start_date=datetime.date(2023, 10, 10), capacity=20)


def test_class_ending_before_it_starts_is_refused_by_the_database(klass):
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingClass.objects.filter(pk=klass.pk).update(end_date=datetime.date(2023, 10, 1))


def test_class_ending_before_it_starts_names_the_end_date_field(klass):
    klass.end_date = datetime.date(2023, 10, 1)
    with pytest.raises(ValidationError) as err:
        klass.full_clean()
    assert "end_date" in err.value.message_dict


def test_session_outside_class_dates_is_refused_by_the_database(klass):
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            training_class=klass,
            date=datetime.date(2023, 10, 20),
            start_time=datetime.time(8),
            end_time=datetime.time(9),
            topic="x",
            venue=klass.venue,
        )
    assert not Session.objects.exists()


def test_moving_a_session_outside_its_class_by_bulk_update_is_refused(klass):
    s = f.session(klass)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=s.pk).update(date=datetime.date(2023, 9, 1))
    s.refresh_from_db()
    assert s.date == klass.start_date


def test_shrinking_class_dates_past_its_sessions_is_refused(klass):
    f.session(klass, date=klass.end_date)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingClass.objects.filter(pk=klass.pk).update(end_date=klass.start_date)
    klass.end_date = klass.start_date
    with pytest.raises(ValidationError) as err:
        klass.full_clean()
    assert "start_date" in err.value.message_dict


def test_session_ending_before_start_is_refused_by_the_database(klass):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.session(klass, start_time=datetime.time(10), end_time=datetime.time(9))


def test_overlapping_sessions_in_one_venue_are_refused_by_the_database(klass):
    f.session(klass, start_time=datetime.time(7, 30), end_time=datetime.time(11))
    other = f.training_class(start_date=klass.start_date, venue=klass.venue)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.session(other, start_time=datetime.time(10), end_time=datetime.time(12))
    # Back to back is fine.
    f.session(other, start_time=datetime.time(11), end_time=datetime.time(12))
    assert Session.objects.filter(venue=klass.venue).count() == 2


def test_overlap_is_reported_on_the_start_time_with_the_other_class(klass):
    f.session(klass, start_time=datetime.time(7, 30), end_time=datetime.time(11))
    other = f.training_class(start_date=klass.start_date, venue=klass.venue)
    s = Session(
        training_class=other,
        date=klass.start_date,
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        topic="x",
        venue=klass.venue,
    )
    with pytest.raises(ValidationError) as err:
        s.full_clean()
    assert klass.code in err.value.message_dict["start_time"][0]


def test_quotas_above_capacity_are_refused_by_the_database(klass):
    unit = f.organisation()
    f.quota(klass, unit, "a", 15)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.quota(klass, unit, "b", 6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.filter(training_class=klass).update(seats=21)
    assert list(Quota.objects.values_list("seats", flat=True)) == [15]


def test_lowering_capacity_below_quotas_is_refused(klass):
    f.quota(klass, f.organisation(), "a", 15)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingClass.objects.filter(pk=klass.pk).update(capacity=10)
    klass.capacity = 10
    with pytest.raises(ValidationError) as err:
        klass.full_clean()
    assert "capacity" in err.value.message_dict


def test_one_quota_per_class_unit_and_category(klass):
    unit = f.organisation()
    f.quota(klass, unit, "a", 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.quota(klass, unit, "a", 1)


def test_unit_codes_may_be_reused_in_another_validity_period(db):
    old = f.organisation(code="107", valid_to=datetime.date(2025, 6, 30))
    new = f.organisation(code="107", kind="commune_ubnd", valid_from=datetime.date(2025, 7, 1))
    assert Organisation.objects.by_code("107", on=datetime.date(2023, 10, 1)) == old
    assert Organisation.objects.by_code("107", on=datetime.date(2026, 1, 1)) == new
    with pytest.raises(IntegrityError), transaction.atomic():
        f.organisation(code="107", valid_to=datetime.date(2020, 1, 1))


def test_text_is_stored_nfc(db):
    import unicodedata

    org = f.organisation(name=unicodedata.normalize("NFD", "UBND huyện  Mường Tè "))
    org.refresh_from_db()
    assert org.name == "UBND huyện Mường Tè"
    assert Organisation.objects.filter(name="UBND huyện Mường Tè").exists()
