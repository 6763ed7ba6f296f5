"""Attendance acts on what the core signals (courses/signals.py): closing a class ends
its open sessions (the page asks first, saying what that will do), reopening it reopens
them. Connected in AttendeesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendees.checkin import session_close, session_close_preview, session_reopen
from courses import signals as courses_signals


def class_close_consequences(*, sessions, **kwargs) -> list[str]:
    """What closing the class will do to its attendance, for the page that asks."""
    previews = [session_close_preview(session) for session in sessions]
    if not previews:
        return [_("Every session is already ended: no attendance changes.")]
    absent = sum(len(p.absent) for p in previews)
    return [
        ngettext("%(n)s absence will be recorded.", "%(n)s absences will be recorded.", absent)
        % {"n": absent},
        ngettext(
            "%(n)s session not ended yet will be ended:",
            "%(n)s sessions not ended yet will be ended:",
            len(previews),
        )
        % {"n": len(previews)},
        *(
            ngettext(
                "%(when)s %(topic)s — %(n)s person marked absent",
                "%(when)s %(topic)s — %(n)s people marked absent",
                len(p.absent),
            )
            % {
                "when": f"{p.session.date:%d/%m} {p.session.start_time:%H:%M}",
                "topic": p.session.topic,
                "n": len(p.absent),
            }
            for p in previews
        ),
    ]


def close_sessions_of_closing_class(*, actor, sessions, **kwargs) -> None:
    for session in sessions:
        session_close(actor=actor, session=session)


def reopen_sessions_of_reopened_class(*, actor, sessions, reason, **kwargs) -> None:
    for session in sessions:
        session_reopen(actor=actor, session=session, reason=reason)


def connect() -> None:
    courses_signals.class_close_preview.connect(
        class_close_consequences, dispatch_uid="attendees.close_preview"
    )
    courses_signals.class_closing.connect(
        close_sessions_of_closing_class, dispatch_uid="attendees.close_sessions"
    )
    courses_signals.class_reopening.connect(
        reopen_sessions_of_reopened_class, dispatch_uid="attendees.reopen_sessions"
    )
