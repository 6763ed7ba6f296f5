"""People pages and the lists printed from nominations and enrollments."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import (
    coordinator_or_nominator_required,
    coordinator_required,
    role_required,
)
from attendees import identity, services
from attendees.exports import people_table
from attendees.forms import (
    ParticipantForm,
)
from attendees.models import (
    Enrollment,
    Nomination,
    Participant,
)
from attendees.views import class_and_unit_for_user, identity_checks_refused
from core.documents.tables import HEAD_OF_UNIT, LIST_MAKER, Col, table_csv, table_pdf, table_xlsx
from core.http import document_response
from courses.models import TrainingClass
from courses.vietnamese import sorted_by_name

# --- Access helpers --------------------------------------------------------------------


def _participant_for_user(request: HttpRequest, pk: int) -> Participant:
    return get_object_or_404(
        Participant.objects.visible_to(request.user).select_related("ethnicity", "organisation"),
        pk=pk,
    )


# --- People ----------------------------------------------------------------------------


@role_required
def people(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    qs = Participant.objects.visible_to(request.user).active().select_related("organisation")
    if query:
        qs = qs.search(query)
    found = sorted_by_name(list(qs[:500]))
    return render(request, "attendees/people.html", {"people": found, "q": query})


@role_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _participant_for_user(request, pk)
    show = request.user.is_coordinator
    if show:
        services.log_sensitive_view(
            actor=request.user, participants=[person], where="person_detail"
        )
    nominations = person.nominations.select_related(
        "training_class", "category", "organisation"
    ).order_by("-created_at")
    if request.user.is_nominator:
        nominations = nominations.filter(organisation=request.user.organisation)
    enrollments = list(
        Enrollment.objects.visible_to(request.user)
        .filter(participant=person)
        .select_related("training_class", "invitation")
    )
    if request.user.is_coordinator:
        # The date an unissued letter is offered to be signed under: the class's date of
        # the invitations, else the day it is issued (the coordinator may change it). The
        # certificate settings are read through their relation: certificates build on
        # attendees, not the other way round.
        today = timezone.localdate()
        for e in enrollments:
            saved = getattr(e.training_class, "certificate_settings", None)
            e.invitation_date = (saved.invitation_date if saved else None) or today
    return render(
        request,
        "attendees/person_detail.html",
        {
            "person": person,
            "enrollments": enrollments,
            "show_sensitive": show,
            "nominations": nominations,
            "can_edit": request.user.is_coordinator
            or (
                request.user.is_nominator and person.organisation_id == request.user.organisation_id
            ),
        },
    )


@coordinator_or_nominator_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _participant_for_user(request, pk)
    if request.user.is_nominator and person.organisation_id != request.user.organisation_id:
        raise PermissionDenied(_("This person is managed by another unit."))
    if request.method == "POST" and (limited := identity_checks_refused(request)):
        return limited
    form = ParticipantForm(
        request.POST or None, instance=person, show_sensitive=request.user.is_coordinator
    )
    on_file = None
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_save(actor=request.user, participant=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
            on_file = _record_with_citizen_id(request, form, exclude_pk=person.pk)
        else:
            messages.success(request, _("Saved."))
            return redirect("attendees:person-detail", pk=person.pk)
    if form.show_sensitive:
        # The coordinator's form is filled in with the CCCD and ethnicity: a sensitive view.
        services.log_sensitive_view(actor=request.user, participants=[person], where="person_edit")
    return render(
        request,
        "attendees/person_edit.html",
        {"form": form, "person": person, "on_file": on_file},
    )


def _record_with_citizen_id(request: HttpRequest, form, *, exclude_pk: int) -> Participant | None:
    """The record that already has the CCCD typed, offered as the add form offers a name
    and birth date match: only one the user may already see (attendees/identity.py; a
    CCCD of another unit's person is held for the coordinator, never refused here)."""
    typed = form.instance.citizen_id
    if not typed or "citizen_id" not in form.errors:
        return None
    who = identity.identify(
        viewer=request.user,
        typed=identity.Typed(form.instance.full_name, form.instance.date_of_birth, typed),
        exclude_pk=exclude_pk,
    )
    return next((p for p in who.visible if p.citizen_id == typed), None)


@coordinator_required
def person_export(request: HttpRequest, pk: int) -> HttpResponse:
    person = _participant_for_user(request, pk)
    data = services.participant_export(actor=request.user, participant=person)
    return document_response(
        json.dumps(data, ensure_ascii=False, indent=2), f"du-lieu-ca-nhan-{person.pk}.json"
    )


@coordinator_required
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erasing cannot be undone: GET says what goes and what stays, and only a POST with
    that confirmation erases."""
    person = _participant_for_user(request, pk)
    detail = reverse("attendees:person-detail", args=[person.pk])
    if person.erased_at is not None:
        return redirect(detail)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return redirect("attendees:person-erase", pk=person.pk)
        services.participant_erase(actor=request.user, participant=person)
        messages.success(
            request, _("The person's identifying data has been erased; statistics are kept.")
        )
        return redirect(detail)
    certificates = person.enrollments.filter(certificates__isnull=False).count()
    consequences = [
        _(
            "The name, date of birth, CCCD, phone, position and workplace of %(name)s will be "
            "erased for good."
        )
        % {"name": person.full_name},
        _(
            "Gender, ethnicity, nominations and enrollments stay, for the statistics. This "
            "cannot be undone."
        ),
    ]
    if certificates:
        consequences.append(
            _(
                "Certificates already issued stay in the register (their holder may need "
                "them verified), without the date of birth."
            )
        )
    return render(
        request,
        "confirm.html",
        {
            "title": _("Erase this person's data?"),
            "subject": person.full_name,
            "consequences": consequences,
            "button": _("Erase for good"),
            "danger": True,
            "cancel_url": detail,
        },
    )


# --- Possible duplicates (the coordinator's side of attendees/identity.py) --------------


@coordinator_required
def possible_duplicates(request: HttpRequest) -> HttpResponse:
    """Records a unit typed that resemble someone the unit may not see, beside that
    record: the coordinator says whether they are one person."""
    held = list(
        Participant.objects.held()
        .select_related(
            "organisation",
            "ethnicity",
            "held_by",
            "possible_duplicate_of__organisation",
            "possible_duplicate_of__ethnicity",
        )
        .prefetch_related(
            "nominations__training_class",
            "possible_duplicate_of__nominations__training_class",
        )
        .order_by("held_at", "pk")
    )
    pairs = [(h, h.possible_duplicate_of) for h in held]
    services.log_sensitive_view(
        actor=request.user,
        participants=[p for pair in pairs for p in pair],
        where="possible_duplicates",
    )
    return render(request, "attendees/possible_duplicates.html", {"pairs": pairs})


@coordinator_required
@require_POST
def possible_duplicate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    held = get_object_or_404(Participant.objects.held(), pk=pk)
    decision = request.POST.get("decision")
    try:
        if decision == "merge":
            kept = identity.possible_duplicate_merge(actor=request.user, held=held)
            messages.success(
                request,
                _("Merged: %(name)s now has the nominations of both records.")
                % {"name": kept.full_name},
            )
        elif decision == "separate":
            identity.possible_duplicate_separate(actor=request.user, held=held)
            messages.success(
                request,
                _("Recorded as two different people: %(name)s is no longer held.")
                % {"name": held.full_name},
            )
        else:
            messages.error(request, _("Choose “same person” or “different people”."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("attendees:possible-duplicates")


# --- Enrollment lists ------------------------------------------------------------------


def _enrollment_rows(request: HttpRequest, klass: TrainingClass) -> list[Enrollment]:
    qs = (
        Enrollment.objects.visible_to(request.user)
        .filter(training_class=klass)
        .select_related("participant", "participant__ethnicity", "organisation", "category")
    )
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(participant__in=Participant.objects.search(query))
    return sorted_by_name(
        list(qs),
        name=lambda e: e.participant.full_name,
        born=lambda e: e.participant.date_of_birth,
    )


@role_required
def enrollment_list(request: HttpRequest, code: str) -> HttpResponse:
    klass = get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)
    rows = _enrollment_rows(request, klass)
    return render(
        request,
        "attendees/enrollments.html",
        {
            "klass": klass,
            "rows": rows,
            "q": request.GET.get("q", ""),
            "scoped": request.user.is_nominator,
        },
    )


#: The columns of an enrollment or nomination list, in proportions of the page.
LIST_COLUMNS = [
    Col("STT", "int", 0.5),
    Col("Họ và tên", "text", 2.2),
    Col("Giới tính", "text", 0.8),
    Col("Ngày sinh", "date", 1.1),
    Col("Chức vụ", "text", 1.6),
    Col("Đơn vị cử", "text", 2.0),
    Col("Đối tượng", "text", 0.8),
    Col("Hưởng lương NSNN", "text", 1.0),
]
STATE_COLUMN = Col("Trạng thái", "text", 1.0)


def _export_rows(
    rows: list[Enrollment] | list[Nomination], *, with_state: bool = False
) -> list[list]:
    """Enrollments or nominations (both have participant, organisation, category)."""
    return [
        [
            i,
            e.participant.full_name,
            "Nữ" if e.participant.gender == "female" else "Nam",
            e.participant.date_of_birth,
            e.participant.position,
            e.organisation.name,
            e.category.code,
            "Có" if e.participant.on_state_payroll else "Không",
            *([e.get_state_display()] if with_state else []),
        ]
        for i, e in enumerate(rows, start=1)
    ]


@role_required
def enrollment_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    klass = get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)
    return _list_file(
        klass,
        request.user.organisation if request.user.is_nominator else None,
        fmt,
        title="DANH SÁCH HỌC VIÊN",
        filename=f"danh-sach-hoc-vien-{klass.code}",
        rows=_export_rows(_enrollment_rows(request, klass)),
        columns=LIST_COLUMNS,
    )


@coordinator_or_nominator_required
def unit_nominations_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    klass, unit = class_and_unit_for_user(request, code)
    nominations = Nomination.objects.filter(training_class=klass, organisation=unit).live()
    nominations = sorted_by_name(
        list(nominations.select_related("participant", "category", "organisation")),
        name=lambda n: n.participant.full_name,
        born=lambda n: n.participant.date_of_birth,
    )
    return _list_file(
        klass,
        unit,
        fmt,
        title="DANH SÁCH CỬ CÁN BỘ THAM GIA LỚP BỒI DƯỠNG",
        filename=f"danh-sach-cu-{klass.code}-{unit.code}",
        rows=_export_rows(nominations, with_state=True),
        columns=[*LIST_COLUMNS, STATE_COLUMN],
        issued_by_unit=True,
    )


def _list_file(
    klass,
    unit,
    fmt: str,
    *,
    title: str,
    filename: str,
    rows: list[list],
    columns: list[Col],
    issued_by_unit: bool = False,
) -> HttpResponse:
    if fmt not in ("xlsx", "pdf", "csv"):
        raise Http404
    subtitle = f"{klass.title} ({klass.code}), {klass.start_date:%d/%m/%Y} – {klass.end_date:%d/%m/%Y}, {klass.venue}"
    if unit is not None:
        subtitle += f" — {unit.name}"
    # Who issues the list, in either format: a unit's nomination list is the unit's
    # document, sent to the Department (its own header, place and head's signature); every
    # other list is the organiser's.
    issuer = unit if issued_by_unit and unit is not None else klass.organiser
    parent = issuer.parent
    parent_body = parent.name if parent else ""
    table = people_table(
        title=title,
        subtitle=subtitle,
        columns=columns,
        rows=rows,
        issuer=(parent_body, issuer.name),
        # The unit's head signs its nomination list; the Department's list is signed by
        # whoever drew it up.
        signers=HEAD_OF_UNIT if issuer is unit else LIST_MAKER,
    )
    if fmt == "csv":
        # The same rows and columns for another program (a unit's own database, a mail
        # merge): UTF-8 with a BOM so that Excel opens the Vietnamese letters right.
        content = table_csv(table)
    elif fmt == "xlsx":
        content = table_xlsx(table)
    else:
        content = table_pdf(
            table,
            parent_body=parent_body,
            issuing_body=issuer.name,
            place=issuer.place or (parent.place if parent else "") or klass.organiser.place,
            on=timezone.localdate(),
        )
    return document_response(content, f"{filename}.{fmt}")
