"""Reads for the printed distribution of editions: who is a candidate recipient, how far
each line has got (planned → sent → received) and the totals per edition and language.

Writes are in `materials.services` (`distribution_plan`, `dispatch_record`,
`receipt_record`); nothing here changes the database.

A line is *confirmed* when every dispatch has its signed receipt back and the copies
received reach the copies planned; otherwise it is *outstanding* (not sent yet, sent and
not acknowledged, or acknowledged short).

Copies *committed* to a line are those received plus those still on the way: a receipt
short of what was sent (copies lost in transit) frees the missing copies to be sent again
within the same plan, so a short line can still be completed and confirmed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, Min, Q, QuerySet, Sum, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Organisation, OrganisationKind
from courses.vietnamese import collation_key, sorted_by_text
from materials.files import HEAD_BYTES, Detected, sniff
from materials.models import Dispatch, DistributionLine, Edition, Language

# ---------------------------------------------------------------------------- lines


def with_progress(lines: QuerySet[DistributionLine]) -> QuerySet[DistributionLine]:
    """Each line with `sent`, `received`, `awaiting` (dispatches without a receipt) and
    `oldest_awaiting` (the date of the oldest of those). One join on the dispatches, and
    `planned` is a column of the line, so nothing is counted twice."""
    waiting = Q(dispatches__received_on__isnull=True)
    return lines.annotate(
        sent=Sum("dispatches__quantity", default=0),
        committed=Sum(
            Case(
                When(dispatches__received_on__isnull=True, then=F("dispatches__quantity")),
                default=F("dispatches__received_quantity"),
            ),
            default=0,
        ),
        received=Sum("dispatches__received_quantity", default=0),
        awaiting=Count("dispatches", filter=waiting),
        oldest_awaiting=Min("dispatches__dispatched_on", filter=waiting),
    )


def outstanding_lines(edition: Edition | None = None) -> QuerySet[DistributionLine]:
    """Lines with copies not yet confirmed, oldest unacknowledged dispatch first (lines
    with nothing awaiting a receipt — short receipts, then nothing sent — come last)."""
    lines = DistributionLine.objects.all()
    if edition is not None:
        lines = lines.filter(edition=edition)
    return (
        with_progress(lines)
        .filter(Q(received__lt=F("planned")) | Q(awaiting__gt=0))
        .select_related("edition__material", "recipient__parent")
        .order_by(
            F("oldest_awaiting").asc(nulls_last=True),
            "-sent",
            "edition__material__title",
            "edition__label",
            "recipient__name",
        )
    )


def is_confirmed(line: DistributionLine) -> bool:
    """For a line from `with_progress`."""
    return line.awaiting == 0 and line.received >= line.planned


# ---------------------------------------------------------------------------- recipients


class RecipientGroup:
    BORDER_POSTS = "border_posts"
    CULTURAL_HOUSES = "cultural_houses"
    OTHER = "other"

    LABELS = {
        BORDER_POSTS: _("Border posts"),
        CULTURAL_HOUSES: _("Cultural houses"),
        OTHER: _("Other units"),
    }
    ORDER = (BORDER_POSTS, CULTURAL_HOUSES, OTHER)

    @classmethod
    def of(cls, organisation: Organisation) -> str:
        if organisation.kind == OrganisationKind.BORDER_POST:
            return cls.BORDER_POSTS
        if organisation.kind == OrganisationKind.CULTURAL_HOUSE:
            return cls.CULTURAL_HOUSES
        return cls.OTHER


def reference_day(edition: Edition, today: datetime.date | None = None) -> datetime.date:
    """The day whose organisations may receive the edition: today, but no later than the
    end of the edition's year, so a 2023 handbook still lists the 2023 districts after
    the 2025 reform abolished them."""
    today = today or timezone.localdate()
    return min(today, datetime.date(edition.year, 12, 31))


def candidate_recipients(edition: Edition) -> list[Organisation]:
    """Every organisation that existed on the reference day (ministries excepted), and
    every one already in the plan whatever its dates, in Vietnamese order."""
    existing = Organisation.objects.valid_on(reference_day(edition)).exclude(
        kind=OrganisationKind.MINISTRY
    )
    in_plan = DistributionLine.objects.filter(edition=edition).values("recipient_id")
    organisations = Organisation.objects.filter(
        Q(pk__in=existing.values("pk")) | Q(pk__in=in_plan)
    ).select_related("parent")
    return sorted_by_text(organisations, lambda o: o.name)


@dataclass
class PlanRow:
    recipient: Organisation
    line: DistributionLine | None = None
    dispatches: list[Dispatch] = field(default_factory=list)

    @property
    def planned(self) -> int:
        return self.line.planned if self.line else 0

    @property
    def sent(self) -> int:
        return sum(d.quantity for d in self.dispatches)

    @property
    def received(self) -> int:
        return sum(d.received_quantity or 0 for d in self.dispatches)

    @property
    def committed(self) -> int:
        """Received, plus still on the way: what counts against the plan."""
        return sum(d.received_quantity if d.is_received else d.quantity for d in self.dispatches)

    @property
    def to_send(self) -> int:
        return self.planned - self.committed

    @property
    def outstanding(self) -> int:
        """Copies planned whose arrival nobody has signed for."""
        return self.planned - self.received

    @property
    def confirmed(self) -> bool:
        return (
            self.line is not None
            and all(d.is_received for d in self.dispatches)
            and (self.received >= self.planned)
        )


@dataclass
class Progress:
    """Copies and recipients, summed over lines or editions."""

    printed: int = 0
    planned: int = 0
    sent: int = 0
    received: int = 0
    recipients: int = 0
    confirmed: int = 0

    @property
    def outstanding(self) -> int:
        return self.planned - self.received

    @property
    def to_send(self) -> int:
        return self.planned - self.sent

    @property
    def over_print_run(self) -> int:
        """Copies planned beyond those printed (0 if the print run covers the plan)."""
        return max(self.planned - self.printed, 0)

    def add(self, other: Progress) -> None:
        for name in ("printed", "planned", "sent", "received", "recipients", "confirmed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class PlanGroup:
    key: str
    rows: list[PlanRow]

    @property
    def label(self) -> str:
        return RecipientGroup.LABELS[self.key]

    @property
    def total(self) -> Progress:
        return _rows_progress(self.rows)

    @property
    def has_plan(self) -> bool:
        return any(row.line for row in self.rows)


def _rows_progress(rows: Iterable[PlanRow]) -> Progress:
    total = Progress()
    for row in rows:
        if row.line is None:
            continue
        total.planned += row.planned
        total.sent += row.sent
        total.received += row.received
        total.recipients += 1
        total.confirmed += row.confirmed
    return total


@dataclass
class EditionPlan:
    edition: Edition
    groups: list[PlanGroup]

    @property
    def rows(self) -> list[PlanRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def total(self) -> Progress:
        total = _rows_progress(self.rows)
        total.printed = self.edition.printed_copies
        return total


def edition_plan(edition: Edition, *, candidates: bool = True) -> EditionPlan:
    """The plan page's rows: every candidate recipient (or, with `candidates=False`, only
    those in the plan), grouped, each with its line and dispatches."""
    lines = {
        line.recipient_id: line
        for line in edition.distribution.select_related("recipient__parent").prefetch_related(
            "dispatches"
        )
    }
    if candidates:
        organisations = candidate_recipients(edition)
    else:
        organisations = sorted_by_text((line.recipient for line in lines.values()), str)
    grouped: dict[str, list[PlanRow]] = {key: [] for key in RecipientGroup.ORDER}
    for organisation in organisations:
        line = lines.get(organisation.pk)
        row = PlanRow(organisation, line, list(line.dispatches.all()) if line else [])
        grouped[RecipientGroup.of(organisation)].append(row)
    return EditionPlan(edition, [PlanGroup(key, rows) for key, rows in grouped.items() if rows])


# ---------------------------------------------------------------------------- quick fill

BORDER_POSTS = "border_posts"
BORDER_AREA = "border_area"
CULTURAL_HOUSES_REGION_III = "cultural_houses_region_iii"
CULTURAL_HOUSES = "cultural_houses"
DISTRICT_PREFIX = "district:"


def quick_fill_choices(organisations: Iterable[Organisation]) -> list:
    """Choices for "give N copies to every …": by kind and flags, then by district (the
    parent of at least one candidate), as a grouped choice list for a select."""
    organisations = list(organisations)
    by_flag = [
        (BORDER_POSTS, _("every border post")),
        (CULTURAL_HOUSES_REGION_III, _("every cultural house in a Region III commune")),
        (CULTURAL_HOUSES, _("every cultural house")),
        (BORDER_AREA, _("every unit marked as in a border area")),
    ]
    parents = {o.parent_id: o.parent for o in organisations if o.parent_id}
    districts = [p for p in parents.values() if p.kind == OrganisationKind.DISTRICT_UBND] or list(
        parents.values()
    )
    by_district = [
        (f"{DISTRICT_PREFIX}{p.pk}", _("every recipient under %(unit)s") % {"unit": p.name})
        for p in sorted_by_text(districts, lambda p: p.name)
    ]
    choices: list = [(_("By kind"), by_flag)]
    if by_district:
        choices.append((_("By district"), by_district))
    return choices


def quick_fill_recipients(organisations: Iterable[Organisation], target: str) -> list[Organisation]:
    """The candidates a quick-fill target names."""
    match = {
        BORDER_POSTS: lambda o: o.kind == OrganisationKind.BORDER_POST,
        BORDER_AREA: lambda o: o.is_border,
        CULTURAL_HOUSES: lambda o: o.kind == OrganisationKind.CULTURAL_HOUSE,
        CULTURAL_HOUSES_REGION_III: lambda o: (
            o.kind == OrganisationKind.CULTURAL_HOUSE and o.is_region_iii
        ),
    }.get(target)
    if match is None and target.startswith(DISTRICT_PREFIX):
        parent_id = target.removeprefix(DISTRICT_PREFIX)
        match = lambda o: str(o.parent_id) == parent_id  # noqa: E731
    if match is None:
        return []
    return [o for o in organisations if match(o)]


# ---------------------------------------------------------------------------- totals


@dataclass
class EditionTotal:
    edition: Edition
    progress: Progress


@dataclass
class LanguageTotal:
    language: Language
    editions: int
    progress: Progress


@dataclass
class Totals:
    editions: list[EditionTotal]
    languages: list[LanguageTotal]
    grand: Progress


def totals(editions: QuerySet[Edition]) -> Totals:
    """Per edition, per language (an edition in two languages counts in both) and the
    grand total (each edition once)."""
    editions = sorted_by_text(
        editions.select_related("material").prefetch_related("languages"),
        lambda e: f"{e.material.title} {e.label}",
    )
    per_edition = {e.pk: Progress(printed=e.printed_copies) for e in editions}
    for line in with_progress(DistributionLine.objects.filter(edition__in=editions)):
        progress = per_edition[line.edition_id]
        progress.planned += line.planned
        progress.sent += line.sent
        progress.received += line.received
        progress.recipients += 1
        progress.confirmed += is_confirmed(line)

    grand = Progress()
    by_language: dict[int, LanguageTotal] = {}
    for edition in editions:
        progress = per_edition[edition.pk]
        grand.add(progress)
        for language in edition.languages.all():
            entry = by_language.setdefault(language.pk, LanguageTotal(language, 0, Progress()))
            entry.editions += 1
            entry.progress.add(progress)
    languages = sorted(by_language.values(), key=lambda t: (t.language.sort_order, t.language.name))
    return Totals([EditionTotal(e, per_edition[e.pk]) for e in editions], languages, grand)


def distributed_editions(year: int | None = None) -> QuerySet[Edition]:
    """Editions with printed copies or a distribution plan (a digital-only edition has
    nothing to count); of one year (the edition's) if given."""
    editions = Edition.objects.in_totals().filter(
        Q(printed_copies__gt=0) | Q(pk__in=DistributionLine.objects.values("edition_id"))
    )
    return editions.filter(year=year) if year else editions


def distribution_years() -> list[int]:
    return sorted(set(distributed_editions().values_list("year", flat=True)), reverse=True)


# ---------------------------------------------------------------------------- outstanding


def planned_editions() -> list[Edition]:
    """Editions with at least one recipient in their plan, for the filter."""
    editions = (
        Edition.objects.in_totals()
        .filter(pk__in=DistributionLine.objects.values("edition_id"))
        .select_related("material")
    )
    return sorted_by_text(editions, lambda e: f"{e.material.title} {e.label}")


class Pending:
    AWAITING = "awaiting"  # sent, the signed receipt is not back
    SHORT = "short"  # the receipt is for fewer copies than were sent
    UNSENT = "unsent"  # planned, not sent yet


@dataclass
class OutstandingItem:
    """One thing to chase: a dispatch awaiting its receipt, a short receipt, or copies
    not sent yet."""

    line: DistributionLine
    kind: str
    quantity: int
    dispatch: Dispatch | None = None
    days: int | None = None

    @property
    def sort_key(self) -> tuple:
        """Oldest dispatch first; copies not sent yet by recipient, in Vietnamese order."""
        order = (Pending.AWAITING, Pending.SHORT, Pending.UNSENT).index(self.kind)
        if self.dispatch is None:
            return (order, datetime.date.max, collation_key(self.line.recipient.name))
        return (order, self.dispatch.dispatched_on, ())


@dataclass
class OutstandingGroup:
    edition: Edition
    lines: list[DistributionLine] = field(default_factory=list)
    items: list[OutstandingItem] = field(default_factory=list)

    @property
    def unconfirmed(self) -> int:
        return sum(line.planned - line.received for line in self.lines)


def outstanding_by_edition(
    edition: Edition | None = None, today: datetime.date | None = None
) -> list[OutstandingGroup]:
    """Outstanding lines grouped by edition, as items to chase: dispatches awaiting their
    receipt (oldest first, with the days since they left), then short receipts, then
    copies not sent yet. The edition with the oldest unacknowledged dispatch comes
    first."""
    today = today or timezone.localdate()
    groups: dict[int, OutstandingGroup] = {}
    for line in outstanding_lines(edition).prefetch_related("dispatches"):
        group = groups.setdefault(line.edition_id, OutstandingGroup(line.edition))
        group.lines.append(line)
        for d in line.dispatches.all():
            if not d.is_received:
                group.items.append(
                    OutstandingItem(
                        line, Pending.AWAITING, d.quantity, d, days_since(d.dispatched_on, today)
                    )
                )
            elif d.received_quantity < d.quantity:
                short = d.quantity - d.received_quantity
                group.items.append(OutstandingItem(line, Pending.SHORT, short, d))
        # A withdrawn edition is sent no more: only what is on the way is chased.
        if line.planned > line.committed and not line.edition.is_withdrawn:
            group.items.append(OutstandingItem(line, Pending.UNSENT, line.planned - line.committed))
    for group in groups.values():
        group.items.sort(key=lambda item: item.sort_key)  # stable within a day
    return [group for group in groups.values() if group.items]


def days_since(day: datetime.date, today: datetime.date | None = None) -> int:
    return ((today or timezone.localdate()) - day).days


# ---------------------------------------------------------------------------- receipts


def scan_format(fieldfile) -> Detected | None:
    """What a stored receipt scan is, from its bytes (it was checked at upload; the type
    is not stored, so it is read again to serve it with the right Content-Type)."""
    try:
        with fieldfile.storage.open(fieldfile.name, "rb") as handle:
            return sniff(handle.read(HEAD_BYTES), handle)
    except FileNotFoundError as exc:
        raise Http404(_("The scan of this receipt is missing.")) from exc
