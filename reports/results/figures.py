"""The figures of the results report, read from the database (a handful of aggregate
queries, scoped to what the reader may see): :func:`results_figures`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from attendees.models import Enrollment
from attendees.rules import Rate, Tally, excused_counting, held_sessions, tallies
from certificates.models import Certificate
from core.documents.header import header_bodies
from core.documents.wording import cited_date
from courses.models import ParticipantCategory, Plan, Quota, Session, TrainingClass
from evaluation.stats import YearFigures, year_figures
from materials.distribution import RecipientGroup, totals, with_progress
from materials.models import DistributionLine, Edition, Handover
from reports.queries import Summary, SummaryRow, category_summary, classes_for_year, unit_summary

#: Attendance the plan's classes aim for; also the usual certificate threshold.
ATTENDANCE_TARGET = 80

# Used only when the year has no class to take the organiser from.
DEFAULT_PARENT_BODY = "UBND tỉnh Lai Châu"
DEFAULT_ISSUING_BODY = "Sở Thông tin và Truyền thông"
DEFAULT_PLACE = "Lai Châu"

_GROUP_VI = {
    RecipientGroup.BORDER_POSTS: "Đồn Biên phòng các xã biên giới",
    RecipientGroup.CULTURAL_HOUSES: "Nhà văn hóa các xã khu vực III",
    RecipientGroup.OTHER: "Các cơ quan, đơn vị khác",
}


@dataclass
class ClassResult:
    """One class of the year that has been held (at least one session took place)."""

    training_class: TrainingClass
    sessions: list[Session]  # the held sessions, in order
    seats: int = 0  # quota seats
    tally: Tally = field(default_factory=Tally)
    excused_counts: bool = False  # the class counts excused absences as attended
    planned_sessions: int = 0  # all the class's sessions, held or to come

    @property
    def enrolled(self) -> int:
        return self.tally.enrolled

    @property
    def participants(self) -> int:
        return self.tally.participants

    @property
    def due_sessions(self) -> int:
        return self.tally.due_sessions

    @property
    def attended_sessions(self) -> int:
        return self.tally.attended_sessions

    @property
    def certified(self) -> int:
        return self.tally.certified

    @property
    def rate(self) -> Rate:
        return self.tally.rate

    @property
    def venues(self) -> list[str]:
        """The class venue, then any other venue a session was held in."""
        names: list[str] = []
        for venue in [self.training_class.venue, *(s.venue for s in self.sessions)]:
            text = ", ".join(part for part in (venue.name, venue.address) if part)
            if text not in names:
                names.append(text)
        return names

    @property
    def period(self) -> str:
        start, end = self.training_class.start_date, self.training_class.end_date
        if self.sessions:
            start, end = self.sessions[0].date, self.sessions[-1].date
        if start == end:
            return f"ngày {cited_date(start)}"
        return f"từ ngày {cited_date(start)} đến ngày {cited_date(end)}"


@dataclass
class EditionResult:
    edition: Edition
    printed: int = 0
    planned: int = 0  # copies planned for recipients (distribution lines)
    sent: int = 0
    received: int = 0  # acknowledged by signed receipt
    handed_out: int = 0  # copies handed to participants in the year's classes


@dataclass
class RecipientGroupResult:
    key: str
    recipients: int = 0
    planned: int = 0
    sent: int = 0
    received: int = 0

    @property
    def label(self) -> str:
        return _GROUP_VI[self.key]


@dataclass
class MaterialFigures:
    titles: int = 0  # materials with an edition of the year (or used in its classes)
    editions: list[EditionResult] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    groups: list[RecipientGroupResult] = field(default_factory=list)
    handed_to: int = 0  # participants who received at least one copy

    def _sum(self, name: str) -> int:
        return sum(getattr(e, name) for e in self.editions)

    @property
    def printed(self) -> int:
        return self._sum("printed")

    @property
    def planned(self) -> int:
        return self._sum("planned")

    @property
    def sent(self) -> int:
        return self._sum("sent")

    @property
    def received(self) -> int:
        return self._sum("received")

    @property
    def handed_out(self) -> int:
        return self._sum("handed_out")

    @property
    def recipients(self) -> int:
        return sum(g.recipients for g in self.groups)

    @property
    def distributed(self) -> list[EditionResult]:
        """Editions with anything to count (printed, planned or handed out)."""
        return [e for e in self.editions if e.printed or e.planned or e.handed_out]


@dataclass
class ResultsFigures:
    year: int
    # Who reports (the organiser of the year's classes) and to whom (its parent body).
    parent_body: str
    issuing_body: str
    parent_name: str
    short_name: str  # in the document number: "…/BC-STTTT"
    place: str
    plans: list[Plan]
    budget_vnd: int | None
    classes: list[TrainingClass]  # every class of the year the reader may see
    held: list[ClassResult]
    categories: Summary  # a–d, every category listed
    units: Summary
    certificates_valid: int
    certificates_revoked: int
    certificates_replaced: int  # of the revoked, those re-issued (a corrected copy)
    materials: MaterialFigures
    # Circular 10/2017 evaluation of the year's classes (evaluation.stats).
    evaluation: YearFigures | None = None

    @property
    def not_held(self) -> list[TrainingClass]:
        held = {r.training_class.pk for r in self.held}
        return [c for c in self.classes if c.pk not in held]

    @property
    def sessions_held(self) -> int:
        return sum(len(r.sessions) for r in self.held)

    @property
    def tally(self) -> Tally:
        """The year's figures: the held classes' tallies added up (a class not held yet
        has nothing due and no certificate, so it adds only its enrollments)."""
        total = Tally()
        for r in self.held:
            total.add(r.tally)
        return total

    @property
    def rate(self) -> Rate:
        """Overall attendance of the held classes: sessions attended / sessions due."""
        return self.tally.rate

    @property
    def certificate_rate(self) -> Rate:
        return self.tally.certificate_rate

    @property
    def thresholds(self) -> list[int]:
        return sorted({r.training_class.certificate_threshold for r in self.held})

    @property
    def units_below_quota(self) -> list[SummaryRow]:
        return [r for r in self.units.rows if r.seats and r.enrolled < r.seats]

    @property
    def classes_below_target(self) -> list[ClassResult]:
        return [r for r in self.held if r.rate.below(ATTENDANCE_TARGET)]


def _header_bodies(classes: list[TrainingClass]) -> tuple[str, str, str, str, str]:
    """(parent body, issuing body, parent's full name, place, abbreviation) from the
    organiser of most of the year's classes: "UBND tỉnh Lai Châu" over "Sở Thông tin và
    Truyền thông" (the locality the parent line already says is dropped)."""
    organiser = TrainingClass.objects.filter(pk__in=[c.pk for c in classes]).main_organiser()
    if organiser is None:
        return DEFAULT_PARENT_BODY, DEFAULT_ISSUING_BODY, "", DEFAULT_PLACE, ""
    parent = organiser.parent
    issuing = organiser.name
    parent_body = parent_name = ""
    if parent:
        parent_name = parent.name
        parent_body, issuing = header_bodies(parent.name, organiser.name)
    place = organiser.place or (parent.place if parent else "") or DEFAULT_PLACE
    return parent_body, issuing, parent_name, place, organiser.short_name


def _all_categories(summary: Summary) -> Summary:
    """Every category a–d in order, with zeros for one nobody was nominated in: the
    province should see an empty category, not miss it."""
    present = {r.key.pk: r for r in summary.rows}
    rows = [
        present.get(c.pk) or SummaryRow(key=c) for c in ParticipantCategory.objects.order_by("code")
    ]
    return Summary(rows, summary.total)


def _materials(year: int, classes, enrollments) -> MaterialFigures:
    # A withdrawn edition counts only for what was already sent or handed out.
    editions = (
        Edition.objects.in_totals()
        .filter(Q(year=year) | Q(class_uses__training_class__in=classes))
        .distinct()
    )
    handed = dict(
        Handover.objects.filter(
            class_material__training_class__in=classes, enrollment__in=enrollments.values("pk")
        )
        .values("class_material__edition")
        .annotate(n=Count("pk"))
        .values_list("class_material__edition", "n")
    )
    handed_to = (
        Handover.objects.filter(
            class_material__training_class__in=classes, enrollment__in=enrollments.values("pk")
        )
        .values("enrollment")
        .distinct()
        .count()
    )
    result = MaterialFigures(handed_to=handed_to)
    by_edition = totals(editions)
    languages: dict[str, int] = {}
    for row in by_edition.editions:
        p = row.progress
        result.editions.append(
            EditionResult(
                edition=row.edition,
                printed=p.printed,
                planned=p.planned,
                sent=p.sent,
                received=p.received,
                handed_out=handed.get(row.edition.pk, 0),
            )
        )
    for lang in by_edition.languages:
        languages[lang.language.name] = lang.language.sort_order
    result.languages = sorted(languages, key=lambda name: (languages[name], name))
    result.titles = len({e.edition.material_id for e in result.editions})
    groups = {key: RecipientGroupResult(key) for key in RecipientGroup.ORDER}
    lines = with_progress(DistributionLine.objects.filter(edition__in=editions)).select_related(
        "recipient"
    )
    for line in lines:
        group = groups[RecipientGroup.of(line.recipient)]
        group.recipients += 1
        group.planned += line.planned
        group.sent += line.sent
        group.received += line.received
    result.groups = [g for g in groups.values() if g.recipients]
    return result


def results_figures(year: int, user) -> ResultsFigures:
    """Every number in the report for ``year``, as ``user`` may see it (the report is for
    the department and the province, who see everything)."""
    classes = classes_for_year(year, user)
    class_list = list(classes.select_related("venue", "plan", "organiser__parent"))
    enrollments = Enrollment.objects.visible_to(user).filter(training_class__in=classes)

    sessions: dict[int, list[Session]] = defaultdict(list)
    for s in (
        held_sessions(Session.objects.filter(training_class__in=classes))
        .select_related("venue")
        .order_by("date", "start_time")
    ):
        sessions[s.training_class_id].append(s)
    seats = dict(
        Quota.objects.visible_to(user)
        .filter(training_class__in=classes)
        .values("training_class")
        .annotate(n=Sum("seats"))
        .values_list("training_class", "n")
    )
    by_class = tallies(
        enrollments, classes, by="training_class", certified=Certificate.objects.valid()
    )
    planned = dict(
        Session.objects.filter(training_class__in=classes)
        .values("training_class")
        .annotate(n=Count("pk"))
        .values_list("training_class", "n")
    )
    excused = excused_counting(classes)
    certificates = Certificate.objects.filter(enrollment__in=enrollments.values("pk"))
    held = [
        ClassResult(
            training_class=klass,
            sessions=sessions[klass.pk],
            seats=seats.get(klass.pk, 0),
            tally=by_class.get(klass.pk) or Tally(),
            excused_counts=klass.pk in excused,
            planned_sessions=planned.get(klass.pk, 0),
        )
        for klass in class_list
        if sessions[klass.pk]  # held: at least one session took place
    ]

    plans = list(Plan.objects.filter(pk__in={c.plan_id for c in class_list}).order_by("pk"))
    if not plans:
        plans = list(Plan.objects.filter(year=year).order_by("pk"))
    budgets = [p.budget_vnd for p in plans if p.budget_vnd]
    parent_body, issuing_body, parent_name, place, short_name = _header_bodies(class_list)

    return ResultsFigures(
        year=year,
        parent_body=parent_body,
        issuing_body=issuing_body,
        parent_name=parent_name,
        short_name=short_name,
        place=place,
        plans=plans,
        budget_vnd=sum(budgets) if budgets else None,
        classes=class_list,
        held=held,
        categories=_all_categories(category_summary(classes, user)),
        units=unit_summary(classes, user),  # units in Vietnamese order
        certificates_valid=certificates.valid().count(),
        certificates_revoked=certificates.filter(revoked_at__isnull=False).count(),
        certificates_replaced=certificates.filter(
            revoked_at__isnull=False, replaced_by__isnull=False
        ).count(),
        materials=_materials(year, classes, enrollments),
        evaluation=year_figures(year, classes),
    )
