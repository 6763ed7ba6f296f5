"""Nomination pages: a unit fills its seats, the department reviews them."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import (
    coordinator_or_nominator_required,
    role_required,
    staff_reader_required,
)
from accounts.throttle import rate_limit_hit
from attendees import review as review_rows
from attendees import services
from attendees.forms import (
    BulkDecisionForm,
    ImportUploadForm,
    NominationForm,
    ReviewFilterForm,
)
from attendees.identity import Typed, identify
from attendees.models import (
    LIVE_STATES,
    SEAT_HOLDING,
    ImportBatch,
    ImportStatus,
    Nomination,
    NominationState,
    Participant,
)
from core.http import document_response
from courses.models import ClassState, Organisation, ParticipantCategory, Quota, TrainingClass
from courses.vietnamese import sorted_by_participant, sorted_by_text

# --- Access helpers --------------------------------------------------------------------


def class_and_unit_for_user(request: HttpRequest, code: str) -> tuple[TrainingClass, Organisation]:
    """The class and the unit whose nominations are managed: a nominator's own unit, or
    for the coordinator the unit chosen with ?unit=."""
    klass = get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)
    if request.user.is_nominator:
        return klass, request.user.organisation
    unit_id = request.GET.get("unit") or request.POST.get("unit") or ""
    units = Organisation.objects.filter(quotas__training_class=klass).distinct()
    # ?unit=abc names no unit: 404 like an unknown number (int("abc") would be a 500).
    return klass, get_object_or_404(
        units, pk=unit_id if unit_id.isascii() and unit_id.isdigit() else None
    )


def _nomination_for_user(request: HttpRequest, pk: int) -> Nomination:
    return get_object_or_404(
        Nomination.objects.visible_to(request.user).select_related(
            "training_class", "participant", "organisation", "category"
        ),
        pk=pk,
    )


def _unit_url(klass: TrainingClass, unit: Organisation, user) -> str:
    url = reverse("attendees:unit-nominations", args=[klass.code])
    return url if user.is_nominator else f"{url}?unit={unit.pk}"


# --- The unit's side -------------------------------------------------------------------


@role_required
def home(request: HttpRequest) -> HttpResponse:
    """Nominators: their classes and seats. Others: the review list."""
    if not request.user.is_nominator:
        return redirect("attendees:review")
    unit = request.user.organisation
    classes = TrainingClass.objects.visible_to(request.user).order_by("start_date")
    rows = [(klass, _seat_table(klass, unit)) for klass in classes]
    return render(request, "attendees/home.html", {"rows": rows, "unit": unit})


def _seat_table(klass: TrainingClass, unit: Organisation) -> list[dict]:
    quotas = Quota.objects.filter(training_class=klass, organisation=unit).select_related(
        "category"
    )
    counts = Counter(
        {
            (row["category"], row["state"]): row["n"]
            for row in Nomination.objects.filter(training_class=klass, organisation=unit)
            .values("category", "state")
            .annotate(n=Count("pk"))
        }
    )
    table = []
    for q in sorted(quotas, key=lambda q: q.category.code):
        c = q.category_id
        # Live nominations hold a seat (attendees.models.LIVE_STATES, as quota_use counts).
        live = sum(counts[(c, s)] for s in LIVE_STATES)
        table.append(
            {
                "category": q.category,
                "seats": q.seats,
                "draft": counts[(c, "draft")],
                "returned": counts[(c, "returned")],
                "submitted": counts[(c, "submitted")],
                "approved": counts[(c, "approved")],
                "free": max(q.seats - live, 0),
                "over": max(live - q.seats, 0),
            }
        )
    return table


@coordinator_or_nominator_required
def unit_nominations(request: HttpRequest, code: str) -> HttpResponse:
    klass, unit = class_and_unit_for_user(request, code)
    nominations = list(
        Nomination.objects.filter(training_class=klass, organisation=unit)
        .exclude(state__in=[NominationState.WITHDRAWN, NominationState.SUBSTITUTED])
        .select_related("participant", "category")
    )
    nominations = sorted_by_participant(nominations)
    return render(
        request,
        "attendees/unit_nominations.html",
        {
            "klass": klass,
            "unit": unit,
            "seats": _seat_table(klass, unit),
            "nominations": nominations,
            "returned": [n for n in nominations if n.state == NominationState.RETURNED],
            "to_submit": [
                n
                for n in nominations
                if n.state in (NominationState.DRAFT, NominationState.RETURNED)
            ],
            "open": klass.state == ClassState.NOMINATING,
            "unit_query": "" if request.user.is_nominator else f"?unit={unit.pk}",
        },
    )


@coordinator_or_nominator_required
def nomination_add(request: HttpRequest, code: str) -> HttpResponse:
    klass, unit = class_and_unit_for_user(request, code)
    return _person_form(request, klass, unit, substitute_for=None)


@coordinator_or_nominator_required
def nomination_substitute(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = _nomination_for_user(request, pk)
    return _person_form(
        request, nomination.training_class, nomination.organisation, substitute_for=nomination
    )


def _person_form(
    request, klass: TrainingClass, unit: Organisation, *, substitute_for: Nomination | None
):
    categories = ParticipantCategory.objects.filter(
        quotas__training_class=klass, quotas__organisation=unit
    )
    if substitute_for:
        categories = ParticipantCategory.objects.filter(pk=substitute_for.category_id)
    data = request.POST or None
    candidates: tuple[Participant, ...] = ()
    if request.method == "POST" and (limited := identity_checks_refused(request)):
        return limited
    form = NominationForm(
        data,
        categories=categories,
        show_sensitive=request.user.is_coordinator,
        # Only a record the user may already see: nominating someone makes them visible
        # to the unit, so any other id would pull another unit's person into view. An id
        # of someone else's record is refused exactly as one that does not exist.
        reuse_candidates=Participant.objects.visible_to(request.user).active(),
        initial={
            "category": substitute_for.category_id if substitute_for else None,
            "workplace": unit.name,
        },
    )
    if request.method == "POST" and "reuse" in form.errors:
        raise PermissionDenied(_("This record cannot be used here."))
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data.get("reuse")
        try:
            if person is None:
                # Offered: only matches the user may already see. A match with another
                # unit's person is never shown; the save below holds the new record for
                # the coordinator instead (attendees/identity.py).
                candidates = identify(
                    viewer=request.user,
                    typed=Typed(
                        form.cleaned_data["full_name"],
                        form.cleaned_data["date_of_birth"],
                        form.cleaned_data["citizen_id"],
                    ),
                ).visible
                if candidates:
                    candidates = _not_in_class_yet(form, klass, candidates)
                    raise _Duplicates
                person = form.save(commit=False)
                person.organisation = unit
                person = services.participant_save(actor=request.user, participant=person)
            if substitute_for:
                services.nomination_substitute(
                    actor=request.user, nomination=substitute_for, participant=person
                )
                messages.success(
                    request,
                    _("%(new)s replaces %(old)s.")
                    % {"new": person.full_name, "old": substitute_for.participant.full_name},
                )
            else:
                services.nomination_create(
                    actor=request.user,
                    training_class=klass,
                    organisation=unit,
                    category=form.cleaned_data["category"],
                    participant=person,
                )
                messages.success(
                    request,
                    _("%(name)s added as a draft. Submit when the list is complete.")
                    % {"name": person.full_name},
                )
            return redirect(_unit_url(klass, unit, request.user))
        except _Duplicates:
            pass
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(
        request,
        "attendees/person_form.html",
        {
            "form": form,
            "klass": klass,
            "unit": unit,
            "substitute_for": substitute_for,
            "candidates": list(candidates),
            "back": _unit_url(klass, unit, request.user),
        },
    )


def identity_checks_refused(request: HttpRequest, *, imports: bool = False) -> HttpResponse | None:
    """Every form that matches typed people against the register, and every import
    preview, counts against a per-user hourly limit: a 429 page over it, nothing saved.
    The matching tells a unit nothing about other units' people anyway; the limit keeps
    anyone from trying keys by the thousand."""
    scope, limit = (
        ("identity.import", settings.IMPORT_PREVIEWS_PER_HOUR)
        if imports
        else ("identity.form", settings.IDENTITY_CHECKS_PER_HOUR)
    )
    if not rate_limit_hit(
        scope=scope, key=str(request.user.pk), limit=limit, window=datetime.timedelta(hours=1)
    ):
        return None
    response = render(
        request, "attendees/checks_limited.html", {"limit": limit, "imports": imports}, status=429
    )
    response["Retry-After"] = "3600"
    return response


class _Duplicates(Exception):
    """Probable duplicates found: show them and let the clerk choose."""


def _not_in_class_yet(
    form: NominationForm, klass: TrainingClass, candidates: tuple[Participant, ...]
) -> tuple[Participant, ...]:
    """The records worth offering. One already nominated to this class is said at once,
    on the field that found it (the CCCD, else the name), instead of being offered and
    refused on the next click."""
    nominated = set(
        Nomination.objects.live()
        .filter(training_class=klass, participant__in=candidates)
        .values_list("participant_id", flat=True)
    )
    typed_id = form.cleaned_data.get("citizen_id")
    for person in candidates:
        if person.pk in nominated:
            field = "citizen_id" if typed_id and person.citizen_id == typed_id else "full_name"
            form.add_error(
                field,
                _("%(name)s is already nominated to this class.") % {"name": person.full_name},
            )
    return tuple(p for p in candidates if p.pk not in nominated)


@coordinator_or_nominator_required
def unit_submit(request: HttpRequest, code: str) -> HttpResponse:
    """Sending the unit's drafts to the department: GET names who will be sent and what
    follows (the unit can no longer edit them), or why it cannot be done yet; only a POST
    carrying that confirmation sends. An unconfirmed POST (an old page) changes nothing."""
    klass, unit = class_and_unit_for_user(request, code)
    back = _unit_url(klass, unit, request.user)
    pending = list(
        Nomination.objects.filter(
            training_class=klass,
            organisation=unit,
            state__in=[NominationState.DRAFT, NominationState.RETURNED],
        ).select_related("participant", "organisation", "category")
    )
    if not pending:
        messages.info(request, _("There is nothing to submit."))
        return redirect(back)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return redirect(
                f"{reverse('attendees:unit-submit', args=[klass.code])}"
                f"{'' if request.user.is_nominator else f'?unit={unit.pk}'}"
            )
        try:
            done = services.nominations_submit(actor=request.user, nominations=pending)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(n)s nominations sent to the department.") % {"n": len(done)}
            )
        return redirect(back)
    n = len(pending)
    problems = services.nominations_submit_problems(klass, pending)
    return render(
        request,
        "confirm.html",
        {
            "title": _("Send the nominations to the department?"),
            "subject": f"{klass.code} · {klass.title} · {unit}",
            "consequences": [
                ngettext(
                    "%(n)s person will be sent to the department for review.",
                    "%(n)s people will be sent to the department for review.",
                    n,
                )
                % {"n": n},
                _(
                    "After sending, your unit can no longer edit them: only substitute or "
                    "withdraw a person. The department approves them or returns them with "
                    "a reason."
                ),
            ],
            "people": sorted_by_participant(pending),
            "people_heading": _("To be sent"),
            "button": ngettext("Send %(n)s nomination", "Send %(n)s nominations", n) % {"n": n},
            "refusal": " ".join(problems),
            "cancel_url": back,
        },
    )


@coordinator_or_nominator_required
@require_POST
def nomination_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    nomination = _nomination_for_user(request, pk)
    try:
        services.nomination_withdraw(actor=request.user, nomination=nomination)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(name)s withdrawn.") % {"name": nomination.participant.full_name}
        )
    return redirect(_unit_url(nomination.training_class, nomination.organisation, request.user))


# --- Spreadsheet import ----------------------------------------------------------------


@role_required
def import_template(request: HttpRequest) -> HttpResponse:
    from attendees.template import build_template

    return document_response(build_template(), "mau-danh-sach-cu-hoc-vien.xlsx")


@coordinator_or_nominator_required
def import_upload(request: HttpRequest, code: str) -> HttpResponse:
    klass, unit = class_and_unit_for_user(request, code)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = services.import_batch_store(
            actor=request.user,
            training_class=klass,
            organisation=unit,
            upload=form.cleaned_data["file"],
        )
        return redirect("attendees:import-preview", pk=batch.pk)
    return render(
        request,
        "attendees/import_upload.html",
        {"form": form, "klass": klass, "unit": unit, "back": _unit_url(klass, unit, request.user)},
    )


def _batch_for_user(request: HttpRequest, pk: int) -> ImportBatch:
    # Only into a class the user may still see: one taken back to planning is hidden
    # from units, uploads made while it was open included.
    batch = get_object_or_404(
        ImportBatch.objects.select_related("training_class", "organisation").filter(
            training_class__in=TrainingClass.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    if not (
        request.user.is_coordinator
        or (request.user.is_nominator and batch.organisation_id == request.user.organisation_id)
    ):
        raise PermissionDenied
    return batch


@coordinator_or_nominator_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_user(request, pk)
    if limited := identity_checks_refused(request, imports=True):
        return limited
    batch = services.import_batch_check(batch=batch)
    if batch.status in (ImportStatus.REFUSED, ImportStatus.IMPORTED):
        # The stored outcome: a refused file is never parsed again.
        report = services.ImportReport(errors=services.import_batch_errors(batch))
        dry = True
    else:
        dry = request.method != "POST"
        # The service marks the batch imported in the transaction of its rows.
        report = services.import_nominations(
            actor=request.user,
            training_class=batch.training_class,
            organisation=batch.organisation,
            batch=batch,
            dry_run=dry,
        )
        batch.refresh_from_db(fields=["status", "imported_at", "imported_rows"])
    if not dry and report.ok:
        messages.success(
            request,
            _(
                "%(n)s people imported as drafts (%(new)s new, %(reused)s already known). Check them, then submit."
            )
            % {"n": report.nominated, "new": report.created, "reused": len(report.reused)},
        )
        return redirect(_unit_url(batch.training_class, batch.organisation, request.user))
    return render(
        request,
        "attendees/import_preview.html",
        {
            "batch": batch,
            "report": report,
            "klass": batch.training_class,
            "unit": batch.organisation,
            "back": _unit_url(batch.training_class, batch.organisation, request.user),
        },
    )


# --- The department's side -------------------------------------------------------------


def _ints(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isascii() and v.isdigit()}


def _with_groups(post, nominations: list[Nomination]):
    """The POST with every "all in this class/unit" box turned into the ids of its rows:
    the server-side select-all, which works without JavaScript. Only rows the page showed
    (`shown`) are added, so a nomination submitted after the page was drawn is never
    decided unseen."""
    data = post.copy()
    shown = _ints(data.getlist("shown"))
    classes = _ints(data.getlist("all_class"))
    units = set(data.getlist("all_unit"))
    ids = data.getlist("ids")
    for n in nominations:
        in_group = (
            n.training_class_id in classes or f"{n.training_class_id}-{n.organisation_id}" in units
        )
        if in_group and n.pk in shown and n.state == NominationState.SUBMITTED:
            ids.append(str(n.pk))
    ids = list(dict.fromkeys(ids))
    data.setlist("ids", ids)
    return data


@staff_reader_required
def review(request: HttpRequest) -> HttpResponse:
    """The department's review: submitted nominations first, one class a page, grouped by
    unit with each unit's approved / quota, suspicious rows flagged, and bulk approve or
    return (all or nothing) with select-all per class and per unit."""
    classes = list(TrainingClass.objects.order_by("-year", "start_date"))
    units = sorted_by_text(Organisation.objects.filter(nominations__isnull=False).distinct(), str)
    params = request.GET.copy()
    if "state" not in params:
        # What waits for the department; "All states" (state=) shows everything.
        params["state"] = NominationState.SUBMITTED
    filters = ReviewFilterForm(params, classes=classes, units=units)
    visible = Nomination.objects.visible_to(request.user).select_related(
        "participant", "organisation", "category", "training_class"
    )
    qs = visible.live()
    if filters.is_valid():
        f = filters.cleaned_data
        if f["training_class"]:
            qs = qs.filter(training_class__code=f["training_class"])
        if f["unit"]:
            qs = qs.filter(organisation_id=f["unit"])
        if f["category"]:
            qs = qs.filter(category__code=f["category"])
        if f["state"]:
            qs = qs.filter(state=f["state"])
        if f["q"]:
            qs = qs.filter(participant__in=Participant.objects.search(f["q"]))
    nominations = list(qs[:2000])
    # One class a page, in the filter's class order: a class is what gets approved at once.
    counts = Counter(n.training_class_id for n in nominations)
    pages = [(k, counts[k.pk]) for k in classes if counts[k.pk]]
    number = request.GET.get("page", "1")
    number = int(number) if number.isascii() and number.isdigit() else 1
    number = min(max(number, 1), max(len(pages), 1))
    on_page = [n for n in nominations if pages and n.training_class_id == pages[number - 1][0].pk]

    bulk = BulkDecisionForm(nominations=nominations)
    action_errors: list[str] = []
    reason_errors: list[str] = []
    over: set[int] = set()
    ticked: set[int] = set()
    if request.method == "POST":
        if not request.user.is_coordinator:
            raise PermissionDenied
        data = _with_groups(request.POST, nominations)
        ticked = _ints(data.getlist("ids"))
        # Rows ticked on the page that no longer match the filter (approved in another
        # tab meanwhile) go to the service, which names them all, rather than failing as
        # "not one of the available choices".
        known = {n.pk for n in nominations}
        candidates = nominations + list(visible.filter(pk__in=ticked - known))
        bulk = BulkDecisionForm(data, nominations=candidates)
        if bulk.is_valid():
            chosen = [n for n in candidates if n.pk in set(bulk.cleaned_data["ids"])]
            try:
                if bulk.cleaned_data["action"] == "approve":
                    done = services.nominations_approve(actor=request.user, nominations=chosen)
                    messages.success(request, _("%(n)s nominations approved.") % {"n": len(done)})
                else:
                    done = services.nominations_return(
                        actor=request.user, nominations=chosen, reason=bulk.cleaned_data["reason"]
                    )
                    messages.success(
                        request, _("%(n)s nominations returned to their units.") % {"n": len(done)}
                    )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    reason_errors += exc.message_dict.get("reason", [])
                    action_errors += [
                        m for k, ms in exc.message_dict.items() if k != "reason" for m in ms
                    ]
                else:
                    action_errors += exc.messages
                over = getattr(exc, "nomination_ids", set())
            else:
                return redirect(request.get_full_path())
        else:
            reason_errors += bulk.errors.get("reason", [])
            action_errors += [m for k, ms in bulk.errors.items() if k != "reason" for m in ms]
    flags = review_rows.flags_for(on_page, viewer=request.user, today=timezone.localdate())
    groups = review_rows.group(on_page, classes=classes, flags=flags)
    keep = params.copy()
    keep.pop("page", None)
    return render(
        request,
        "attendees/review.html",
        {
            "filters": filters,
            "groups": groups,
            "count": len(nominations),
            "pages": pages,
            "page_number": number,
            "query": keep.urlencode(),
            "bulk": bulk,
            "action": bulk.data.get("action", "approve") if bulk.is_bound else "approve",
            "reason": bulk.data.get("reason", "") if bulk.is_bound else "",
            "action_errors": action_errors,
            "reason_errors": reason_errors,
            "over": over,
            "ticked": ticked,
            "all_classes": _ints(request.POST.getlist("all_class")),
            "all_units": set(request.POST.getlist("all_unit")),
            "can_decide": request.user.is_coordinator,
            "possible_duplicates": (
                Participant.objects.held().count() if request.user.is_coordinator else 0
            ),
        },
    )


@staff_reader_required
def composition(request: HttpRequest, code: str) -> HttpResponse:
    """Quota vs nominated vs approved, per unit × category: is the class composed as the
    plan intends?"""
    klass = get_object_or_404(TrainingClass, code=code)
    categories = list(ParticipantCategory.objects.all())
    quotas = {(q.organisation_id, q.category_id): q.seats for q in klass.quotas.all()}
    counts = defaultdict(Counter)
    for row in (
        Nomination.objects.filter(training_class=klass)
        .live()
        .values("organisation", "category", "state")
        .annotate(n=Count("pk"))
    ):
        key = (row["organisation"], row["category"])
        counts[key]["nominated"] += row["n"]
        if row["state"] in SEAT_HOLDING:
            counts[key]["submitted"] += row["n"]
        if row["state"] == NominationState.APPROVED:
            counts[key]["approved"] += row["n"]
    unit_ids = {o for o, _c in quotas} | {o for o, _c in counts}
    units = sorted_by_text(Organisation.objects.filter(pk__in=unit_ids), str)
    rows = []
    totals = [Counter() for _ in categories]
    for unit in units:
        cells = []
        for i, c in enumerate(categories):
            cell = {"quota": quotas.get((unit.pk, c.pk), 0), **counts[(unit.pk, c.pk)]}
            cell.setdefault("nominated", 0)
            cell.setdefault("approved", 0)
            totals[i].update({k: v for k, v in cell.items() if isinstance(v, int)})
            cells.append(cell)
        rows.append((unit, cells))
    return render(
        request,
        "attendees/composition.html",
        {"klass": klass, "categories": categories, "rows": rows, "totals": totals},
    )
