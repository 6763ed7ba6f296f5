"""A class's sessions as an iCalendar file (RFC 5545), for the participant's "add to
calendar" link: one VEVENT per session.

Times are written in UTC ("…Z"): every calendar application reads them without a
VTIMEZONE block, and Vietnam has had no daylight saving since 1975, so nothing is lost
against a TZID. Each session's UID is derived from its id and the site's host: stable
across downloads, so importing the file again (after a time was changed) updates the
events instead of duplicating them. Nothing about the person is in the file: it is the
class's timetable, the same for everyone enrolled.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings

from core.documents.wording import venue_text

#: RFC 5545 §3.1: content lines are folded at 75 octets (not characters).
LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value (§3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded into pieces of at most 75 octets, each continuation
    starting with a space; never inside a UTF-8 character (Vietnamese letters take 2–3
    octets)."""
    pieces: list[str] = []
    current, size = "", 0
    limit = LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size = " ", 1  # the continuation's leading space counts
        current += char
        size += width
    pieces.append(current)
    return "\r\n".join(pieces)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _host() -> str:
    return urlsplit(settings.PUBLIC_BASE_URL).hostname or "localhost"


def session_uid(session) -> str:
    return f"session-{session.pk}@{_host()}"


def class_calendar(training_class, sessions: Iterable, *, now: datetime.datetime) -> str:
    """The iCalendar text of ``sessions`` (of ``training_class``, venues selected), CRLF
    line ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{_host()}//training-courses//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'{training_class.code} – {training_class.title}')}",
    ]
    stamp = _utc(now)
    for session in sessions:
        venue = session.venue if session.venue_id else training_class.venue
        lines += [
            "BEGIN:VEVENT",
            f"UID:{session_uid(session)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(session.starts_at())}",
            f"DTEND:{_utc(session.ends_at())}",
            f"SUMMARY:{escape_text(f'{training_class.code}: {session.topic}')}",
            f"LOCATION:{escape_text(venue_text(venue))}",
            f"DESCRIPTION:{escape_text(training_class.title)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
