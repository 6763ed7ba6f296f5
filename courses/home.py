"""What each role should do next, shown at the top of the page a user lands on after
logging in (issue 15 item 1).

The landing page is the core's, but most of its figures belong to the apps built on it:
those apps register their panels here in their ``AppConfig.ready()`` (a unit's free seats:
``attendees.home``; the coordinator's to-do and a reader's rates: ``reports.home``), so
the core imports none of them. Each role's panel costs a fixed handful of queries
whatever the number of classes: no query inside a loop.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from courses.models import Session

# Enough to act on from a phone; the full lists are one click away.
SHOWN = 8

_PANELS: dict[str, Callable[..., Any]] = {}


def register(name: str, read: Callable[..., Any]) -> None:
    """Called by the app that owns a panel's figures, in its AppConfig.ready()."""
    _PANELS[name] = read


def panel(name: str, *args: Any) -> Any:
    """The panel registered under ``name`` (``nominator``, ``coordinator``, ``viewer``,
    ``latest_year_with_data``), read with ``args``."""
    return _PANELS[name](*args)


def trainer_home(user, now: datetime.datetime) -> dict:
    today = now.date()
    coming = list(
        Session.objects.run_by(user)
        .filter(date__gte=today)
        .select_related("training_class", "venue")
        .order_by("date", "start_time")[:SHOWN]
    )
    return {
        "role": "trainer",
        "today": [s for s in coming if s.date == today],
        "next": [s for s in coming if s.date != today][:3],
        "year": coming[0].training_class.year if coming else None,
    }
