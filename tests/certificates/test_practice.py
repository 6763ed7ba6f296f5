"""A practice class issues no numbered certificates from the official register: the
service refuses in Vietnamese, the print job is refused, and the page says why."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from certificates import services, tasks
from certificates.models import Certificate, RegisterSeries

pytestmark = pytest.mark.django_db

REFUSAL = "là lớp thực hành (để làm quen với phần mềm): không cấp giấy chứng nhận"


@pytest.fixture
def practice(held):
    """The held class of conftest (final attendance, people who qualify), marked as a
    practice class: everything else would let certificates be issued."""
    held.klass.is_practice = True
    held.klass.save(update_fields=["is_practice"])
    return held


def test_issuing_in_a_practice_class_is_refused_and_uses_no_number(practice, world):
    with translation.override("vi"), pytest.raises(ValidationError) as excinfo:
        services.certificate_issue(actor=world.coordinator, enrollment=practice.full)
    message = " ".join(excinfo.value.messages)
    assert practice.klass.code in message and REFUSAL in message
    assert not Certificate.objects.exists()
    assert not RegisterSeries.objects.filter(last_number__gt=0).exists()


def test_the_print_job_is_refused_for_a_practice_class(practice, world):
    with translation.override("vi"), pytest.raises(ValidationError) as excinfo:
        tasks.batch_start(actor=world.coordinator, training_class=practice.klass)
    assert REFUSAL in " ".join(excinfo.value.messages)


def test_the_certificate_page_says_it_is_a_practice_class(client, practice, world):
    client.force_login(world.coordinator)
    body = client.get(reverse("certificates:class", args=[practice.klass.code])).content.decode()
    assert "Lớp thực hành" in body and REFUSAL in body


def test_the_same_class_not_marked_practice_still_issues(held, world):
    certificate, created = services.certificate_issue(actor=world.coordinator, enrollment=held.full)
    assert created and certificate.number == 1
