"""The class's sessions as an iCalendar file (RFC 5545), parsed back line by line."""

from __future__ import annotations

import datetime

from django.test import Client
from django.urls import reverse

from portal.ics import escape_text, fold


def unfold(raw: bytes) -> list[str]:
    """Content lines: every line ends CRLF and is at most 75 octets; continuation lines
    (a leading space) are joined back."""
    assert raw.endswith(b"\r\n")
    physical = raw[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line
    lines: list[str] = []
    for line in physical:
        text = line.decode("utf-8")  # a fold never splits a character
        if text.startswith(" "):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            out.append({"n": "\n", "N": "\n"}.get(value[i + 1], value[i + 1]))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def events(lines: list[str]) -> list[dict[str, str]]:
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    found, current = [], None
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            assert current is None
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    assert current is None
    return found


def utc(value: str) -> datetime.datetime:
    return datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)


def test_calendar_has_every_session_in_utc_with_stable_uids(portal):
    url = reverse("portal:calendar", kwargs={"token": portal.token})
    first = Client().get(url)
    assert first.status_code == 200
    assert first["Content-Type"].startswith("text/calendar")
    found = events(unfold(first.content))
    assert len(found) == len(portal.sessions)
    for session, event in zip(portal.sessions, found, strict=True):
        assert utc(event["DTSTART"]) == session.starts_at()
        assert utc(event["DTEND"]) == session.ends_at()
        for required in ("UID", "DTSTAMP", "SUMMARY"):
            assert event[required]
    # 07:30 in Lai Châu is 00:30 UTC.
    assert found[0]["DTSTART"].endswith("T003000Z")
    # Escaped text: "Khai mạc; tổng quan, mục tiêu".
    assert found[0]["SUMMARY"] == r"TTDN-2023-L3: Khai mạc\; tổng quan\, mục tiêu"
    assert unescape(found[0]["SUMMARY"]).endswith("Khai mạc; tổng quan, mục tiêu")
    assert unescape(found[3]["LOCATION"]) == "Nhà văn hoá bản Mạ, xã Ka Lăng"
    uids = [event["UID"] for event in found]
    assert len(set(uids)) == len(uids)
    again = events(unfold(Client().get(url).content))
    assert [event["UID"] for event in again] == uids
    assert "Giàng" not in first.content.decode()


def test_folding_never_splits_a_vietnamese_letter():
    line = "SUMMARY:" + escape_text("Bồi dưỡng nghiệp vụ thông tin đối ngoại; " * 6)
    folded = fold(line).encode("utf-8")
    parts = folded.split(b"\r\n")
    assert len(parts) > 3
    assert all(len(p) <= 75 for p in parts)
    assert all(p.startswith(b" ") for p in parts[1:])
    assert b"".join(p[1:] if i else p for i, p in enumerate(parts)).decode() == line


def test_escaping():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
