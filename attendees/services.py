"""Writes for people and nominations. Quota rules are decided here, under a lock on the
class row, so that two coordinators (or a coordinator and an import) acting at the same
moment are checked one after the other and can never exceed a quota."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees import signals
from attendees.identity import Typed, hold, identify, identify_many
from attendees.models import (
    SEAT_HOLDING,
    Enrollment,
    Ethnicity,
    ImportBatch,
    ImportStatus,
    Nomination,
    NominationState,
    Participant,
)
from core.audit import audit
from core.documents.wording import dmy
from courses.models import ClassState, Organisation, ParticipantCategory, Quota, TrainingClass
from courses.vietnamese import fold, sorted_by_name

# --- People ----------------------------------------------------------------------------


_IDENTITY_FIELDS = ("full_name", "date_of_birth", "citizen_id")


@transaction.atomic
def participant_save(*, actor: User, participant: Participant) -> Participant:
    """Create or update a person after checking the record and its duplicates.

    Duplicates are looked for among the people the actor may see; a match with anyone
    else holds the record for the coordinator instead of answering (attendees/identity.py),
    so that typing another unit's CCCD or name + birth date tells a unit nothing."""
    creating = participant.pk is None
    # The CCCD's uniqueness depends on whether the record is held: decided below.
    participant.full_clean(validate_constraints=False)
    if creating or _identity_changed(participant):
        who = identify(viewer=actor, typed=Typed.of(participant), exclude_pk=participant.pk)
        if creating and who.known is not None:
            twin = who.known
            raise ValidationError(
                _("%(name)s (born %(dob)s) is already registered; reuse that record.")
                % {"name": twin.full_name, "dob": dmy(twin.date_of_birth)}
            )
        # A held record may share the CCCD of the record it is held against (often why
        # it is held); any other twin the actor can see is refused, as it always was.
        if participant.citizen_id and any(
            p.citizen_id == participant.citizen_id and p.pk != participant.possible_duplicate_of_id
            for p in who.visible
        ):
            raise ValidationError({"citizen_id": _("Another person already has this citizen ID.")})
        if who.hold_against_id and participant.possible_duplicate_of_id is None:
            hold(participant, against_id=who.hold_against_id, actor=actor)
            if not creating:
                # Holds never chain: records held against this one now wait on its twin.
                Participant.objects.filter(possible_duplicate_of=participant).update(
                    possible_duplicate_of_id=who.hold_against_id
                )
    participant.validate_constraints()
    participant.save()
    changes = {}
    if creating:
        changes["fields"] = sorted(
            f.name for f in Participant._meta.concrete_fields if f.name not in {"id"}
        )
    if participant.possible_duplicate_of_id:
        changes["possible_duplicate_of"] = participant.possible_duplicate_of_id
    audit(
        actor=actor,
        action="participant.create" if creating else "participant.update",
        target=participant,
        changes=changes,
    )
    return participant


def _identity_changed(participant: Participant) -> bool:
    """Edits that leave name, birth date and CCCD alone are not checked again: a record
    the coordinator found to be a different person is not held again for a new phone."""
    before = Participant.objects.filter(pk=participant.pk).values(*_IDENTITY_FIELDS).first()
    if before is None:
        return True
    before["full_name"] = fold(before["full_name"])
    now = {name: getattr(participant, name) for name in _IDENTITY_FIELDS}
    now["full_name"] = fold(now["full_name"])
    return before != now


def log_sensitive_view(*, actor: User, participants: Iterable[Participant], where: str) -> None:
    """Ethnicity and citizen ID are sensitive data (Law 91/2025): every time someone is
    shown them unmasked, record who saw whose."""
    ids = [p.pk for p in participants]
    if ids:
        audit(
            actor=actor,
            action="participant.view_sensitive",
            target=None,
            changes={"where": where, "ids": ids},
        )


@transaction.atomic
def participant_erase(*, actor: User, participant: Participant) -> Participant:
    """Erase a person on request: identifying data goes, what statistics need stays
    (gender, year of birth, ethnicity, the nominations and enrollments)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    participant.erased_at = timezone.now()
    participant.full_name = _("Erased person #%(id)s") % {"id": participant.pk}
    participant.date_of_birth = None
    participant.citizen_id = ""
    participant.phone = ""
    participant.position = ""
    participant.workplace = ""
    participant.save()
    # Certificates already issued keep the record but drop the date of birth: the
    # certificates app acts on the signal (it builds on attendees, not the reverse).
    signals.participant_erasing.send(sender=Participant, participant=participant, actor=actor)
    audit(actor=actor, action="participant.erase", target=participant)
    return participant


def participant_export(*, actor: User, participant: Participant) -> dict:
    """Everything held about a person, for a data-subject access request."""
    audit(actor=actor, action="participant.export", target=participant)
    return {
        "full_name": participant.full_name,
        "gender": participant.get_gender_display(),
        "date_of_birth": dmy(participant.date_of_birth),
        "ethnicity": str(participant.ethnicity or ""),
        "citizen_id": participant.citizen_id,
        "phone": participant.phone_display,
        "position": participant.position,
        "workplace": participant.workplace,
        "managing_unit": str(participant.organisation),
        "on_state_payroll": participant.on_state_payroll,
        "nominations": [
            {
                "class": n.training_class.code,
                "class_title": n.training_class.title,
                "category": n.category.code,
                "state": n.get_state_display(),
                "unit": str(n.organisation),
            }
            for n in participant.nominations.select_related(
                "training_class", "category", "organisation"
            )
        ],
    }


# --- Nominations -----------------------------------------------------------------------


def _lock_class(training_class: TrainingClass) -> TrainingClass:
    return TrainingClass.objects.select_for_update().get(pk=training_class.pk)


def _check_open_for_nomination(klass: TrainingClass) -> None:
    if klass.state != ClassState.NOMINATING:
        raise ValidationError(
            _("Class %(code)s is not taking nominations (it is “%(state)s”).")
            % {"code": klass.code, "state": klass.get_state_display()}
        )


def _quota_seats(klass: TrainingClass) -> dict[tuple[int, int], int]:
    return {
        (q.organisation_id, q.category_id): q.seats
        for q in Quota.objects.filter(training_class=klass)
    }


@dataclass(frozen=True)
class QuotaUse:
    """How much of one class × unit × category quota is taken by nominations in the
    counted states (approved for the department's review, seat-holding for a unit)."""

    taken: int
    seats: int

    @property
    def free(self) -> int:
        return max(self.seats - self.taken, 0)


def quota_use(
    class_ids: Iterable[int], states: tuple[str, ...] = (NominationState.APPROVED,)
) -> dict[tuple[int, int, int], QuotaUse]:
    """(class, unit, category) → seats taken / quota: the figure the approve check below
    compares against, so the review page shows the very numbers that will refuse a
    bulk approval. Two queries whatever the number of classes."""
    class_ids = list(class_ids)
    seats = {
        (q.training_class_id, q.organisation_id, q.category_id): q.seats
        for q in Quota.objects.filter(training_class_id__in=class_ids)
    }
    taken = Counter(
        {
            (row["training_class"], row["organisation"], row["category"]): row["n"]
            for row in Nomination.objects.filter(training_class_id__in=class_ids, state__in=states)
            .values("training_class", "organisation", "category")
            .annotate(n=Count("pk"))
        }
    )
    return {key: QuotaUse(taken[key], seats.get(key, 0)) for key in seats.keys() | taken.keys()}


class RowsRefused(ValidationError):
    """A bulk action refused as a whole (quotas, capacity, rows changed meanwhile), with
    the rows concerned in `nomination_ids` so that a page can point at them."""

    def __init__(self, messages: list[str], nomination_ids: set[int]):
        super().__init__(messages)
        self.nomination_ids = nomination_ids


_NAMES_SHOWN = 10


def _names(group: list[Nomination]) -> str:
    names = [
        n.participant.full_name
        for n in sorted_by_name(
            group,
            name=lambda n: n.participant.full_name,
            born=lambda n: n.participant.date_of_birth,
        )
    ]
    shown = ", ".join(names[:_NAMES_SHOWN])
    if len(names) > _NAMES_SHOWN:
        shown += _(" and %(n)s more") % {"n": len(names) - _NAMES_SHOWN}
    return shown


def _quota_problems(
    klass: TrainingClass, group: list[Nomination], states: tuple[str, ...]
) -> tuple[list[str], set[int]]:
    """Every (unit, category) of `group` that entering `states` would push over its quota,
    and the class capacity for approvals: one message per problem naming the people, and
    the ids of the nominations concerned. Called with the class row locked."""
    use = quota_use([klass.pk], states)
    adding: dict[tuple[int, int], list[Nomination]] = {}
    for n in group:
        adding.setdefault((n.organisation_id, n.category_id), []).append(n)
    messages: list[str] = []
    ids: set[int] = set()
    for (org_id, cat_id), rows in adding.items():
        u = use.get((klass.pk, org_id, cat_id), QuotaUse(0, 0))
        if u.taken + len(rows) > u.seats:
            messages.append(
                _(
                    "%(unit)s, category %(category)s of class %(code)s: %(held)s of %(quota)s "
                    "seats are taken, so %(n)s more (%(names)s) would exceed the quota by "
                    "%(over)s."
                )
                % {
                    "unit": rows[0].organisation.name,
                    "category": rows[0].category.code,
                    "code": klass.code,
                    "held": u.taken,
                    "quota": u.seats,
                    "n": len(rows),
                    "names": _names(rows),
                    "over": u.taken + len(rows) - u.seats,
                }
            )
            ids.update(n.pk for n in rows)
    if NominationState.APPROVED in states:
        enrolled = Enrollment.objects.filter(training_class=klass).count()
        if enrolled + len(group) > klass.capacity:
            messages.append(
                _("Class %(code)s has %(capacity)s places and %(enrolled)s are filled.")
                % {"code": klass.code, "capacity": klass.capacity, "enrolled": enrolled}
            )
            ids.update(n.pk for n in group)
    return messages, ids


def _check_quotas(klass: TrainingClass, group: list[Nomination], states: tuple[str, ...]) -> None:
    """`group` are the nominations about to enter `states`."""
    messages, ids = _quota_problems(klass, group, states)
    if messages:
        raise RowsRefused(messages, ids)


@transaction.atomic
def nomination_create(
    *,
    actor: User,
    training_class: TrainingClass,
    organisation: Organisation,
    category: ParticipantCategory,
    participant: Participant,
) -> Nomination:
    klass = _lock_class(training_class)
    _check_open_for_nomination(klass)
    if not Quota.objects.filter(
        training_class=klass, organisation=organisation, category=category
    ).exists():
        raise ValidationError(
            _("%(unit)s has no seats in category %(category)s of this class.")
            % {"unit": organisation.name, "category": category.code}
        )
    nomination = Nomination(
        training_class=klass,
        organisation=organisation,
        category=category,
        participant=participant,
        created_by=actor,
    )
    nomination.full_clean()
    nomination.save()
    audit(
        actor=actor,
        action="nomination.create",
        target=nomination,
        changes={"state": [None, "draft"]},
    )
    return nomination


def _transition(
    *,
    actor: User,
    nominations: Iterable[Nomination],
    allowed_from: tuple[str, ...],
    to: str,
    action: str,
    extra: dict | None = None,
) -> list[Nomination]:
    ids = [n.pk for n in nominations]
    locked = list(
        Nomination.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("participant", "training_class", "category", "organisation")
    )
    if len(locked) != len(set(ids)):
        raise ValidationError(_("Some nominations no longer exist; reload the page."))
    wrong = [n for n in locked if n.state not in allowed_from]
    if len(wrong) == 1:
        raise ValidationError(
            _("%(name)s is “%(state)s” and cannot be changed this way.")
            % {"name": wrong[0].participant.full_name, "state": wrong[0].get_state_display()}
        )
    if wrong:
        # A bulk action on a stale page: say every row that changed meanwhile, not the
        # first, so one reload and one retry are enough.
        raise RowsRefused(
            [
                _("These nominations can no longer be changed this way: %(rows)s.")
                % {
                    "rows": "; ".join(
                        f"{n.participant.full_name} ({n.get_state_display()})"
                        for n in sorted_by_name(
                            wrong,
                            name=lambda n: n.participant.full_name,
                            born=lambda n: n.participant.date_of_birth,
                        )
                    )
                }
            ],
            {n.pk for n in wrong},
        )
    now = timezone.now()
    for n in locked:
        previous = n.state
        n.state = to
        for key, value in (extra or {}).items():
            setattr(n, key, value)
        if to == NominationState.SUBMITTED:
            n.submitted_at = now
        elif to in (NominationState.APPROVED, NominationState.RETURNED):
            n.decided_at, n.decided_by = now, actor
        n.save()
        audit(
            actor=actor, action=action, target=n, changes={"state": [previous, to], **(extra or {})}
        )
    return locked


def _by_class(nominations: Iterable[Nomination]) -> dict[int, list[Nomination]]:
    groups: dict[int, list[Nomination]] = {}
    for n in nominations:
        groups.setdefault(n.training_class_id, []).append(n)
    return groups


def nominations_submit_problems(klass: TrainingClass, nominations: list[Nomination]) -> list[str]:
    """What would stop `nominations_submit` for these nominations of one class, for the
    confirmation page to say before the unit presses: the same checks (class open, quota
    per unit and category), read without locking. Empty when submitting would go through
    as the page was drawn."""
    try:
        _check_open_for_nomination(klass)
    except ValidationError as exc:
        return exc.messages
    problems, _ids = _quota_problems(klass, nominations, SEAT_HOLDING)
    return problems


@transaction.atomic
def nominations_submit(*, actor: User, nominations: Iterable[Nomination]) -> list[Nomination]:
    """A unit sends its drafts (or corrected returned items) to the department."""
    done: list[Nomination] = []
    for class_id, group in _by_class(nominations).items():
        klass = _lock_class(TrainingClass(pk=class_id))
        _check_open_for_nomination(klass)
        _check_quotas(klass, group, SEAT_HOLDING)
        done += _transition(
            actor=actor,
            nominations=group,
            allowed_from=(NominationState.DRAFT, NominationState.RETURNED),
            to=NominationState.SUBMITTED,
            action="nomination.submit",
            extra={"return_reason": ""},
        )
    return done


@transaction.atomic
def nominations_approve(*, actor: User, nominations: Iterable[Nomination]) -> list[Nomination]:
    """Approve and enroll, all or nothing. Every class is locked first (in id order, so
    two bulk approvals cannot deadlock) and every quota checked before anything changes:
    a refusal names all the groups and people that would go over, not just the first."""
    groups = _by_class(nominations)
    classes = {class_id: _lock_class(TrainingClass(pk=class_id)) for class_id in sorted(groups)}
    problems: list[str] = []
    over: set[int] = set()
    for class_id, klass in classes.items():
        if klass.state not in (ClassState.NOMINATING, ClassState.RUNNING):
            raise ValidationError(
                _("Class %(code)s is “%(state)s”; nominations can no longer be approved.")
                % {"code": klass.code, "state": klass.get_state_display()}
            )
        messages, ids = _quota_problems(klass, groups[class_id], (NominationState.APPROVED,))
        problems += messages
        over |= ids
    if problems:
        raise RowsRefused(problems, over)
    done: list[Nomination] = []
    for class_id in classes:
        approved = _transition(
            actor=actor,
            nominations=groups[class_id],
            allowed_from=(NominationState.SUBMITTED,),
            to=NominationState.APPROVED,
            action="nomination.approve",
        )
        Enrollment.objects.bulk_create(
            Enrollment(
                nomination=n,
                training_class_id=n.training_class_id,
                participant_id=n.participant_id,
                organisation_id=n.organisation_id,
                category_id=n.category_id,
            )
            for n in approved
        )
        done += approved
    return done


@transaction.atomic
def nominations_return(
    *, actor: User, nominations: Iterable[Nomination], reason: str
) -> list[Nomination]:
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the nominations are returned, so the unit can fix them.")}
        )
    return _transition(
        actor=actor,
        nominations=nominations,
        allowed_from=(NominationState.SUBMITTED,),
        to=NominationState.RETURNED,
        action="nomination.return",
        extra={"return_reason": reason[:500]},
    )


@transaction.atomic
def nomination_withdraw(*, actor: User, nomination: Nomination) -> Nomination:
    klass = _lock_class(nomination.training_class)
    if nomination.state == NominationState.APPROVED:
        _check_before_start(klass)
        Enrollment.objects.filter(nomination=nomination).delete()
    (n,) = _transition(
        actor=actor,
        nominations=[nomination],
        allowed_from=(
            NominationState.DRAFT,
            NominationState.SUBMITTED,
            NominationState.RETURNED,
            NominationState.APPROVED,
        ),
        to=NominationState.WITHDRAWN,
        action="nomination.withdraw",
    )
    return n


def _check_before_start(klass: TrainingClass) -> None:
    if timezone.localdate() >= klass.start_date:
        raise ValidationError(
            _(
                "Class %(code)s has started; an approved participant can no longer be replaced or withdrawn."
            )
            % {"code": klass.code}
        )


@transaction.atomic
def nomination_substitute(
    *, actor: User, nomination: Nomination, participant: Participant
) -> Nomination:
    """Another person takes this nominee's seat before the class starts. The seat (unit,
    category, state) is kept: no quota check, no new approval needed."""
    klass = _lock_class(nomination.training_class)
    _check_before_start(klass)
    old = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if old.state not in (NominationState.SUBMITTED, NominationState.APPROVED):
        raise ValidationError(
            _("Only a submitted or approved nomination can be substituted; edit a draft instead.")
        )
    if old.participant_id == participant.pk:
        raise ValidationError(_("The substitute is the same person."))
    state = old.state
    enrollment = Enrollment.objects.filter(nomination=old).first()
    if enrollment:
        enrollment.delete()
    old.state = NominationState.SUBSTITUTED
    old.save(update_fields=["state"])
    new = Nomination(
        training_class=klass,
        organisation=old.organisation,
        category=old.category,
        participant=participant,
        state=state,
        substitute_for=old,
        created_by=actor,
        submitted_at=old.submitted_at,
        decided_at=old.decided_at,
        decided_by=old.decided_by,
    )
    new.full_clean()
    new.save()
    if enrollment:
        Enrollment.objects.create(
            nomination=new,
            training_class=klass,
            participant=participant,
            organisation=old.organisation,
            category=old.category,
        )
    audit(
        actor=actor,
        action="nomination.substitute",
        target=new,
        changes={
            "replaces": old.pk,
            "old_participant": old.participant_id,
            "new_participant": participant.pk,
        },
    )
    return new


# --- Spreadsheet import ----------------------------------------------------------------


@dataclass
class ImportReport:
    rows: list = field(default_factory=list)  # ImportRow
    errors: list = field(default_factory=list)  # RowError
    reused: dict = field(default_factory=dict)  # row_number -> existing Participant
    created: int = 0
    nominated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def ethnicity_lookup() -> dict[str, str]:
    """Every accepted spelling of every ethnic group → its code."""
    lookup = {}
    for e in Ethnicity.objects.all():
        for name in [e.name, *e.aliases]:
            lookup[name] = e.code
    return lookup


def import_nominations(
    *,
    actor: User | None,
    training_class: TrainingClass,
    organisation: Organisation,
    data: bytes | None = None,
    filename: str = "",
    batch: ImportBatch | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Parse a unit's spreadsheet and, if every row is valid, create the people (reusing
    known ones) and their draft nominations in one transaction. With errors, or with
    `dry_run`, nothing is written.

    The file is `data`, or the stored upload `batch`; a batch is marked imported in the
    same transaction as its rows, so an import either happened and says so or did not
    happen at all, and a batch is imported at most once. The file is parsed in a bounded
    child process (courses.uploads)."""
    from attendees.importing import RowError, parse_nomination_file_bounded

    if batch is not None:
        batch.refresh_from_db(fields=["status", "imported_at", "imported_rows"])
        if batch.status == ImportStatus.IMPORTED:
            return ImportReport(errors=[_already_imported(batch)])
        data, filename = bytes(batch.content), batch.filename
    categories = {c.code: c for c in ParticipantCategory.objects.all()}
    parsed = parse_nomination_file_bounded(
        data, filename, ethnicities=ethnicity_lookup(), categories=set(categories)
    )
    report = ImportReport(rows=parsed.rows, errors=list(parsed.errors))
    if not parsed.rows and not report.errors:
        report.errors.append(RowError(None, "", _("The file has no data rows under the header.")))
    if training_class.state != ClassState.NOMINATING:
        report.errors.append(
            RowError(
                None,
                "",
                _("Class %(code)s is not taking nominations.") % {"code": training_class.code},
            )
        )
    if report.errors:
        return report

    # Match people already known, by the one rule of attendees/identity.py: a record the
    # actor may see is reused; a match with anyone else is never mentioned (no name, not
    # counted as known) and its row becomes a new record held for the coordinator.
    found = identify_many(
        viewer=actor,
        typed=[Typed(r.full_name, r.date_of_birth, r.citizen_id) for r in parsed.rows],
    )
    nominated = set(
        Nomination.objects.live()
        .filter(training_class=training_class)
        .values_list("participant_id", flat=True)
    )
    seats = _quota_seats(training_class)
    held = Counter(
        {
            row["category"]: row["n"]
            for row in Nomination.objects.live()
            .filter(training_class=training_class, organisation=organisation)
            .values("category")
            .annotate(n=Count("pk"))
        }
    )
    holds: dict[int, int] = {}  # row number -> the record its new person is held against
    rows_by_category: dict[int, list] = {}  # category id -> this file's rows, in file order
    for row, who in zip(parsed.rows, found, strict=True):
        if who.known is not None:
            if who.known.pk in nominated:
                report.errors.append(
                    RowError(
                        row.row_number,
                        "Họ và tên",
                        _("This person is already nominated to this class."),
                    )
                )
            report.reused[row.row_number] = who.known
        elif who.hold_against_id is not None:
            holds[row.row_number] = who.hold_against_id
        held[categories[row.category_code].pk] += 1
        rows_by_category.setdefault(categories[row.category_code].pk, []).append(row)
    for category_id, n in held.items():
        quota = seats.get((organisation.pk, category_id), 0)
        if n > quota:
            code = next(c.code for c in categories.values() if c.pk == category_id)
            # The seats go in file order: the rows past the last free seat are the ones
            # to move to another category, another class, or delete.
            in_file = rows_by_category.get(category_id, [])
            over = in_file[max(0, len(in_file) - (n - quota)) :]
            report.errors.append(
                RowError(
                    None,
                    "Đối tượng",
                    _(
                        "Category %(category)s: %(n)s people for %(quota)s seats of your unit "
                        "in this class; over the quota: %(rows)s."
                    )
                    % {"category": code, "n": n, "quota": quota, "rows": _rows_named(over)},
                )
            )
    if report.errors or dry_run:
        return report

    ethnicities = {e.code: e for e in Ethnicity.objects.all()}
    with transaction.atomic():
        if batch is not None:
            # Locked first: a second confirmation of the same upload waits here, then
            # finds it imported.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status == ImportStatus.IMPORTED:
                return ImportReport(errors=[_already_imported(locked)])
        klass = _lock_class(training_class)
        now = timezone.now()
        new_people = [
            Participant(
                full_name=row.full_name,
                search_name=fold(row.full_name),
                gender=row.gender,
                date_of_birth=row.date_of_birth,
                birth_year=row.date_of_birth.year,
                ethnicity=ethnicities.get(row.ethnicity_code),
                citizen_id=row.citizen_id,
                phone=row.phone,
                position=row.position,
                workplace=row.workplace or organisation.name,
                organisation=organisation,
                on_state_payroll=row.on_state_payroll,
                possible_duplicate_of_id=holds.get(row.row_number),
                held_at=now if row.row_number in holds else None,
                held_by=actor if row.row_number in holds and actor and actor.pk else None,
            )
            for row in parsed.rows
            if row.row_number not in report.reused
        ]
        Participant.objects.bulk_create(new_people)
        if not all(p.pk for p in new_people):  # backends without RETURNING (none we use)
            raise RuntimeError("bulk_create did not return primary keys")
        people = iter(new_people)
        participant_ids = [
            (report.reused.get(row.row_number) or next(people)).pk for row in parsed.rows
        ]
        _insert_draft_nominations(
            klass=klass,
            organisation=organisation,
            actor=actor,
            rows=[
                (pid, categories[row.category_code].pk)
                for pid, row in zip(participant_ids, parsed.rows, strict=True)
            ],
        )
        report.nominated = len(participant_ids)
        report.created = len(new_people)
        audit(
            actor=actor,
            action="nomination.import",
            target=klass,
            changes={
                "unit": organisation.pk,
                "file": filename,
                "rows": len(parsed.rows),
                "new_people": report.created,
                "reused_people": len(report.reused),
                "held_people": len(holds),
            },
        )
        if batch is not None:
            batch.status = ImportStatus.IMPORTED
            batch.imported_at = timezone.now()
            batch.imported_rows = report.nominated
            batch.save(update_fields=["status", "imported_at", "imported_rows"])
    return report


_ROWS_NAMED = 20  # beyond this many, the message counts the rest


def _rows_named(rows: list) -> str:
    """ "row 14 (Lò Văn Pành), row 15 (Lò Thị Mai)": the rows of a file and who is on them."""
    named = ", ".join(
        _("row %(row)s (%(name)s)") % {"row": r.row_number, "name": r.full_name}
        for r in rows[:_ROWS_NAMED]
    )
    if len(rows) > _ROWS_NAMED:
        named += " " + _("and %(n)s more") % {"n": len(rows) - _ROWS_NAMED}
    return named


def _already_imported(batch: ImportBatch):
    from attendees.importing import RowError

    return RowError(
        None,
        "",
        _("This file was already imported on %(when)s (%(n)s people); nothing was saved again.")
        % {
            "when": timezone.localtime(batch.imported_at).strftime("%d/%m/%Y %H:%M")
            if batch.imported_at
            else "—",
            "n": batch.imported_rows,
        },
    )


def _insert_draft_nominations(
    *,
    klass: TrainingClass,
    organisation: Organisation,
    actor: User | None,
    rows: list[tuple[int, int]],
) -> None:
    """Insert (participant_id, category_id) drafts with multi-row INSERT statements.

    bulk_create spends most of a 10,000-row import compiling SQL value by value, and a
    per-row executemany is slow on PostgreSQL; these rows are plain integers and constants,
    already validated above, so parameterised multi-row VALUES do the same insert in a
    fraction of the time (bench/importing.py).
    """
    table = connection.ops.quote_name(Nomination._meta.db_table)
    columns = (
        "training_class_id, organisation_id, category_id, participant_id, state, return_reason, "
        "created_by_id, created_at"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    actor_id = actor.pk if actor and actor.pk else None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two array parameters instead of 80,000 scalars: PostgreSQL unnests them.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 -- table from the model, values are parameters
                "SELECT %s, %s, c, p, %s, '', %s, %s FROM unnest(%s::bigint[], %s::bigint[]) AS r(p, c)",
                [
                    klass.pk,
                    organisation.pk,
                    NominationState.DRAFT,
                    actor_id,
                    now,
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                ],
            )
            return
        per_statement = max(1, min(1000, (connection.features.max_query_params or 8000) // 8))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            params = [
                value
                for participant_id, category_id in chunk
                for value in (
                    klass.pk,
                    organisation.pk,
                    category_id,
                    participant_id,
                    NominationState.DRAFT,
                    "",
                    actor_id,
                    now,
                )
            ]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608 -- table from the model, values are parameters


def import_batch_store(
    *, actor: User, training_class: TrainingClass, organisation: Organisation, upload
) -> ImportBatch:
    """Keep an upload for its preview, with the outcome of parsing it once (bounded). A
    file the parse refuses is kept without its content: only its problems are shown."""
    upload.seek(0)
    batch = ImportBatch(
        training_class=training_class,
        organisation=organisation,
        uploaded_by=actor,
        filename=upload.name[:255],
        content=upload.read(),
    )
    _record_parse_outcome(batch)
    batch.save()
    return batch


def import_batch_check(*, batch: ImportBatch) -> ImportBatch:
    """Parse a batch stored before outcomes were recorded (status pending), once, and
    record the outcome."""
    if batch.status == ImportStatus.PENDING:
        _record_parse_outcome(batch)
        batch.save(update_fields=["status", "errors", "content"])
    return batch


def _record_parse_outcome(batch: ImportBatch) -> None:
    from attendees.importing import parse_nomination_file_bounded

    parsed = parse_nomination_file_bounded(
        bytes(batch.content),
        batch.filename,
        ethnicities=ethnicity_lookup(),
        categories=set(ParticipantCategory.objects.values_list("code", flat=True)),
    )
    if parsed.errors:
        batch.status = ImportStatus.REFUSED
        batch.errors = [[e.row_number, e.column, e.message] for e in parsed.errors]
        batch.content = b""
    else:
        batch.status = ImportStatus.READY


def import_batch_errors(batch: ImportBatch) -> list:
    """The stored problems of a refused batch, as the parser reported them."""
    from attendees.importing import RowError

    return [RowError(row, column, message) for row, column, message in batch.errors]
