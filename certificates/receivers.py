"""Certificates act on what attendees signals (attendees/signals.py). Connected in
CertificatesConfig.ready()."""

from __future__ import annotations

from attendees import signals as attendees_signals
from certificates.models import Certificate


def keep_erased_persons_certificates_without_birth_date(*, participant, **kwargs) -> None:
    """Certificates already issued stay in the register (an official record the holder may
    still need verified), but without the date of birth."""
    Certificate.objects.filter(enrollment__participant=participant).update(date_of_birth=None)


def connect() -> None:
    attendees_signals.participant_erasing.connect(
        keep_erased_persons_certificates_without_birth_date,
        dispatch_uid="certificates.erase_birth_dates",
    )
