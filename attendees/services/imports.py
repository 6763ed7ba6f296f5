"""Importing a unit's nominations spreadsheet: storing the upload for its preview, and
creating the people and their draft nominations in one transaction. Reading the file is
attendees.importing; the quota and class checks are those of the nominations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attendees.identity import Typed, identify_many
from attendees.models import (
    Ethnicity,
    ImportBatch,
    ImportStatus,
    Nomination,
    NominationState,
    Participant,
)
from attendees.services.nominations import _lock_class, _quota_seats
from core.audit import audit
from courses.models import ClassState, Organisation, ParticipantCategory, TrainingClass
from courses.vietnamese import fold


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
