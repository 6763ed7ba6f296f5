"""What the participant's page shows, read for one enrollment: the class's sessions with
this person's mark in each, the class's materials in the languages available, their valid
certificate. Attendance words come from attendees.rules (the one definition of "held",
"missed", "counted"); nothing here decides them again.

Nothing about anyone else is read, and of the person only their name: never the CCCD,
phone or ethnic group (the ethnic group only orders the materials, see
:func:`own_language`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from attendees import rules
from attendees.models import Attendance, AttendanceStatus, Enrollment
from certificates.models import Certificate
from courses.vietnamese import fold
from materials.models import ClassMaterial, Language, MaterialFile

#: What a session without a mark says, beside the four marks of AttendanceStatus.
NOT_HELD_YET = "not_held_yet"
IN_PROGRESS = "in_progress"
NOT_RECORDED = "not_recorded"
STATUS_LABELS = {
    **dict(AttendanceStatus.choices),
    NOT_HELD_YET: _("Not held yet"),
    IN_PROGRESS: _("In progress"),
    NOT_RECORDED: _("No attendance taken yet"),
}


@dataclass
class SessionLine:
    session: object
    venue: object
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def session_status(session, mark: str | None, *, recorded: bool, now: datetime.datetime) -> str:
    """The person's status in one session: their mark; "absent" when no mark means absent
    (rules.can_be_missed: the session is closed, or over with a roll taken); otherwise
    the session is under way (started, not over, not closed: "not held yet" would tell a
    person sitting in it that it has not begun), still to come, or over without a roll
    (which says nothing about them)."""
    if mark:
        return mark
    if rules.can_be_missed(session, now, recorded=recorded):
        return AttendanceStatus.ABSENT
    if session.closed_at is None and session.ends_at() > now:
        return IN_PROGRESS if session.starts_at() <= now else NOT_HELD_YET
    return NOT_RECORDED


def schedule(enrollment: Enrollment, *, now: datetime.datetime) -> tuple[list[SessionLine], str]:
    """The class's sessions in order with this person's status, and "attended n of the m
    sessions held" as the rules count it (excused counted where the class says so)."""
    klass = enrollment.training_class
    sessions = rules.with_recorded(
        klass.sessions.select_related("venue").order_by("date", "start_time", "pk")
    )
    marks = dict(
        Attendance.objects.filter(enrollment=enrollment).values_list("session_id", "status")
    )
    counted = rules.counted_in(klass)
    lines, held, attended = [], 0, 0
    for s in sessions:
        lines.append(
            SessionLine(
                session=s,
                venue=s.venue or klass.venue,
                status=session_status(s, marks.get(s.pk), recorded=s.recorded, now=now),
            )
        )
        if rules.is_held(s, recorded=s.recorded):
            held += 1
            attended += marks.get(s.pk) in counted
    rate = rules.person_rate(attended, held, klass.certificate_threshold)
    summary = ""
    if held:
        summary = _("Attended %(attended)s of %(held)s sessions held (%(rate)s).") % {
            "attended": attended,
            "held": held,
            "rate": rate,
        }
    return lines, str(summary)


def own_language(enrollment: Enrollment) -> Language | None:
    """The language of the person's ethnic group, when materials are written in it
    ("Mông" → "Tiếng Mông", "Kinh"/"Việt" → "Tiếng Việt"), matched on the group's name and
    its other spellings, accents, case and hyphens aside ("Khơ-mú" is "Tiếng Khơ Mú").
    Used only to put those editions first; the group itself is never shown."""
    ethnicity = enrollment.participant.ethnicity
    if ethnicity is None:
        return None

    def key(name: str) -> str:
        return " ".join(fold(name).replace("-", " ").split())

    names = {key(n) for n in [ethnicity.name, *(ethnicity.aliases or [])]}
    for language in Language.objects.all():
        if key(language.name).removeprefix("tieng ") in names:
            return language
    return None


@dataclass
class MaterialLine:
    material: object
    editions: list = field(default_factory=list)  # editions with .languages_list and .file_list


def materials(enrollment: Enrollment) -> list[MaterialLine]:
    """The class's materials still handed out (neither the attachment nor the edition
    withdrawn), each with its current files; editions in the person's own language first,
    then by language order, and materials having one first."""
    mine = own_language(enrollment)
    uses = (
        ClassMaterial.objects.current()
        .filter(training_class_id=enrollment.training_class_id)
        .select_related("edition__material")
        .prefetch_related(
            "edition__languages",
            Prefetch(
                "edition__files",
                queryset=MaterialFile.objects.current().order_by("original_name", "pk"),
            ),
        )
    )
    by_material: dict[int, MaterialLine] = {}
    for use in uses:
        edition = use.edition
        edition.languages_list = list(edition.languages.all())
        # The languages the edition's label does not already name ("Tiếng Việt, in lần 1"
        # needs no "· Tiếng Việt" after it), accents and case aside.
        label = fold(edition.label)
        edition.languages_text = ", ".join(
            lang.name for lang in edition.languages_list if fold(lang.name) not in label
        )
        edition.file_list = list(edition.files.all())
        edition.is_mine = mine is not None and any(
            lang.pk == mine.pk for lang in edition.languages_list
        )
        line = by_material.setdefault(edition.material_id, MaterialLine(edition.material))
        line.editions.append(edition)

    def edition_key(e):
        order = min((lang.sort_order for lang in e.languages_list), default=1000)
        return (not e.is_mine, order, e.label)

    lines = list(by_material.values())
    for line in lines:
        line.editions.sort(key=edition_key)
    lines.sort(key=lambda m: (not any(e.is_mine for e in m.editions), m.material.title))
    return lines


def class_file(enrollment: Enrollment, pk: int) -> MaterialFile | None:
    """A file the page may hand out: current, of a current edition attached (and not
    withdrawn) to this person's class. Anything else — another class's file, a withdrawn
    one, a file of a material never given in the class — is None, as if it did not exist.

    The library's "signed-in users only" does not apply here: what the class hands out on
    paper, its participants may read, and the personal link is their sign-in."""
    attached = ClassMaterial.objects.current().filter(
        training_class_id=enrollment.training_class_id
    )
    return (
        MaterialFile.objects.current()
        .filter(pk=pk, edition__in=attached.values("edition"))
        .select_related("edition__material")
        .first()
    )


def certificate(enrollment: Enrollment) -> Certificate | None:
    """The enrollment's valid certificate, if one is issued (at most one: a constraint)."""
    return Certificate.objects.valid().filter(enrollment=enrollment).first()
