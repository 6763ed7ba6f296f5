"""Download counts for the material page's small charts (drawn as inline SVG by
`materials/_bar_chart.html`: no chart library, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from courses.vietnamese import sorted_by_text
from materials.models import Material


@dataclass
class Bar:
    label: str
    value: int
    percent: float  # of the largest bar, for the drawing


def _bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    top = max((v for _, v in pairs), default=0) or 1
    return [Bar(label, value, round(value * 100 / top, 1)) for label, value in pairs]


def downloads_by_month(material: Material, months: int = 12) -> list[Bar]:
    """Up to `months` calendar months ending with the last month anyone downloaded it,
    months without downloads shown as 0 (closing the gaps up would hide them). Nothing
    at all when it was never downloaded."""
    rows = (
        material.downloads.annotate(month=TruncMonth("at")).values("month").annotate(n=Count("pk"))
    )
    counts = {(r["month"].year, r["month"].month): r["n"] for r in rows}
    if not counts:
        return []
    first, (year, month) = min(counts), max(counts)
    keys: list[tuple[int, int]] = []
    while len(keys) < months and (year, month) >= first:
        keys.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    return _bars([(f"{m:02d}/{y}", counts.get((y, m), 0)) for y, m in keys])


def downloads_by_unit(material: Material) -> list[Bar]:
    rows = (
        material.downloads.annotate(signed_in=Q(user__isnull=False))
        .values("organisation__name", "signed_in")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, int] = {}
    for r in rows:
        if r["organisation__name"]:
            label = r["organisation__name"]
        elif r["signed_in"]:
            label = _("Signed in, no unit")
        else:
            label = _("Not signed in")
        counts[label] = counts.get(label, 0) + r["n"]
    pairs = list(counts.items())
    # Largest first; equal counts in Vietnamese order.
    pairs = sorted_by_text(pairs, lambda p: p[0])
    pairs.sort(key=lambda p: -p[1])
    return _bars(pairs)
