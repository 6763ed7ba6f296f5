"""The check-in window has one rule (courses.models.Session.window_phase) and three places
that apply it: the ORM (Session.checkin_phase), the check-in hot path's SQL
(attendees/checkin_sql.SessionWindow, from the columns its one query reads) and the
scanner, which decides offline (phase() in static/js/scanner.js, from the roster). The same
cases go through all three, so none of them can drift from the others.

Session A of the world: 07:30–11:00, check-in from 60 minutes before to 60 minutes after.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from attendees import checkin_sql

# (day offset, wall time on that day, phase)
CASES = [
    (-1, "23:00:00", "early"),
    (0, "06:29:59", "early"),
    (0, "06:30:00", "open"),  # opens: included
    (0, "07:30:00", "open"),
    (0, "10:59:59", "open"),
    (0, "12:00:00", "open"),  # closes: included
    (0, "12:00:01", "over"),
    (1, "08:00:00", "over"),
]

SCANNER_JS = Path(settings.BASE_DIR) / "static" / "js" / "scanner.js"


def _moments(session) -> list[datetime.datetime]:
    return [
        timezone.make_aware(
            datetime.datetime.combine(
                session.date + datetime.timedelta(days=days), datetime.time.fromisoformat(wall)
            )
        )
        for days, wall, _phase in CASES
    ]


def _scanner_phases(session_json: dict, moments: list[datetime.datetime]) -> list[str]:
    """phase() of scanner.js, its own text, run by node on the roster's session."""
    source = SCANNER_JS.read_text(encoding="utf-8")
    found = re.search(r"^  function phase\(at, session\) \{\n.*?^  \}\n", source, re.M | re.S)
    assert found, "phase() is no longer in scanner.js: update this test with it"
    script = (
        f"{found.group(0)}\n"
        "const [session, moments] = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(moments.map((m) => phase(Date.parse(m), session))));\n"
    )
    argument = json.dumps([session_json, [timezone.localtime(m).isoformat() for m in moments]])
    done = subprocess.run(
        ["node", "-e", script, argument], capture_output=True, text=True, check=True, timeout=30
    )
    return json.loads(done.stdout)


def test_the_window_rule_is_the_same_in_python_sql_and_the_scanner(client, world):
    if shutil.which("node") is None:
        pytest.skip("node is needed to run scanner.js")
    session = world.session_a
    moments = _moments(session)
    expected = [phase for _days, _wall, phase in CASES]

    orm = [session.checkin_phase(at=m) for m in moments]
    window, _badge = checkin_sql.load_session(session.pk, world.trainer.pk)
    sql = [window.phase(at=m) for m in moments]
    client.force_login(world.trainer)
    roster = client.get(reverse("api-roster", args=[session.pk])).json()
    scanner = _scanner_phases(roster["session"], moments)

    assert orm == expected
    assert sql == expected
    assert scanner == expected
    # And the scan rule reads the same window: counted only when the phase is "open".
    assert [window.is_open_for_checkin(at=m) for m in moments] == [p == "open" for p in expected]
