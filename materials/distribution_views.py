"""Printed copies of an edition sent to border posts, cultural houses and units: the plan
per recipient (with quick fill by kind, flag or district), dispatches, signed receipts
(with a private scan or photo), what is still outstanding and the totals.

The coordinator writes; viewers read. Writes go through `materials.services`, reads
through `materials.distribution`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.decorators import coordinator_required, staff_reader_required
from core.media import serve_file
from courses.models import Organisation
from materials import distribution, services
from materials.forms import DispatchForm, PlanForm, QuickFillForm, ReceiptForm
from materials.models import Dispatch, DistributionLine, Edition
from materials.uploads import keeps_client_file_names

# ---------------------------------------------------------------------------- helpers


def _edition(pk: int) -> Edition:
    return get_object_or_404(
        Edition.objects.select_related("material").prefetch_related("languages"), pk=pk
    )


def _plan_url(edition_id: int, anchor: str = "") -> str:
    url = reverse("materials:distribution-plan", args=[edition_id])
    return f"{url}#{anchor}" if anchor else url


def _next_url(request: HttpRequest, default: str) -> str:
    """Back to the page the user came from (the plan or the outstanding list), never to
    another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _add_service_errors(form: forms.Form, exc: ValidationError, *, plain_field=None) -> None:
    """Field-keyed errors go on their field; a plain one on `plain_field` or the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(plain_field, exc)


def _warn_if_over_print_run(request: HttpRequest, edition: Edition) -> None:
    total = distribution.edition_plan(edition, candidates=False).total
    if total.over_print_run:
        messages.warning(
            request,
            _("The plan (%(planned)s copies) is %(over)s more than the %(printed)s copies printed.")
            % {"planned": total.planned, "over": total.over_print_run, "printed": total.printed},
        )


# ---------------------------------------------------------------------------- plan


@staff_reader_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    edition = _edition(pk)
    writer = request.user.is_coordinator
    if request.method == "POST" and not writer:
        raise PermissionDenied(_("Only the department coordinator can do this."))
    # Viewers see the recipients in the plan; the coordinator every candidate, unless
    # they ask for the plan only (a shorter page on a phone).
    only_planned = not writer or request.GET.get("only") == "planned"
    data = distribution.edition_plan(edition, candidates=not only_planned)
    organisations = [row.recipient for row in data.rows]
    if only_planned and writer:
        organisations = distribution.candidate_recipients(edition)

    action = request.POST.get("action") if request.method == "POST" else None
    plan_form = (
        PlanForm(request.POST if action == "plan" else None, rows=data.rows) if writer else None
    )
    fill_form = (
        QuickFillForm(request.POST if action == "fill" else None, organisations=organisations)
        if writer
        else None
    )

    if action == "plan" and plan_form.is_valid():
        quantities = plan_form.changes()
        if not quantities:
            messages.info(request, _("Nothing changed."))
            return redirect(request.get_full_path())
        try:
            services.distribution_plan(actor=request.user, edition=edition, quantities=quantities)
        except ValidationError as exc:
            plan_form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Plan saved: %(n)s recipients changed.") % {"n": len(quantities)},
            )
            _warn_if_over_print_run(request, edition)
            return redirect(request.get_full_path())

    if action == "fill" and fill_form.is_valid():
        _quick_fill(request, edition, data.rows, organisations, **fill_form.cleaned_data)
        return redirect(request.get_full_path())

    if plan_form is not None:
        for row in data.rows:
            row.field = plan_form[f"r{row.recipient.pk}"]
    return render(
        request,
        "materials/distribution_plan.html",
        {
            "edition": edition,
            "material": edition.material,
            "plan": data,
            "total": data.total,
            "plan_form": plan_form,
            "fill_form": fill_form,
            "only_planned": only_planned,
            "writer": writer,
        },
    )


def _quick_fill(
    request: HttpRequest,
    edition: Edition,
    rows: list[distribution.PlanRow],
    organisations: list[Organisation],
    *,
    copies: int,
    target: str,
) -> None:
    """Set `copies` for every recipient the target names; say what happened."""
    current = {row.recipient.pk: row.planned for row in rows}
    chosen = distribution.quick_fill_recipients(organisations, target)
    quantities = {o: copies for o in chosen if current.get(o.pk, 0) != copies}
    if not chosen:
        messages.warning(request, _("No recipient matches this choice."))
        return
    if not quantities:
        messages.info(request, _("Nothing changed."))
        return
    try:
        services.distribution_plan(actor=request.user, edition=edition, quantities=quantities)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return
    messages.success(
        request,
        _("%(copies)s copies each set for %(n)s recipients.")
        % {"copies": copies, "n": len(quantities)},
    )
    _warn_if_over_print_run(request, edition)


# ---------------------------------------------------------------------------- dispatch


@coordinator_required
def dispatch_create(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(
        distribution.with_progress(DistributionLine.objects.all()).select_related(
            "edition__material", "recipient__parent"
        ),
        pk=pk,
    )
    back = _next_url(request, _plan_url(line.edition_id, f"line-{line.pk}"))
    left = max(line.planned - line.committed, 0)
    form = DispatchForm(
        request.POST or None,
        initial={"dispatched_on": timezone.localdate(), "quantity": left or None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dispatch_record(actor=request.user, line=line, **form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Dispatch of %(n)s copies to %(unit)s recorded.")
                % {"n": form.cleaned_data["quantity"], "unit": line.recipient},
            )
            return redirect(back)
    return render(
        request,
        "materials/distribution_dispatch.html",
        {
            "line": line,
            "edition": line.edition,
            "left": left,
            "dispatches": line.dispatches.all(),
            "form": form,
            "back": back,
        },
    )


# ---------------------------------------------------------------------------- receipt


def _dispatch(pk: int) -> Dispatch:
    return get_object_or_404(
        Dispatch.objects.select_related("line__edition__material", "line__recipient__parent"),
        pk=pk,
    )


@keeps_client_file_names
@coordinator_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = _dispatch(pk)
    line = dispatch.line
    back = _next_url(request, _plan_url(line.edition_id, f"line-{line.pk}"))
    if dispatch.is_received:
        initial = {
            "received_on": dispatch.received_on,
            "received_by": dispatch.received_by,
            "received_quantity": dispatch.received_quantity,
        }
    else:
        initial = {"received_quantity": dispatch.quantity}
    form = ReceiptForm(request.POST or None, request.FILES or None, initial=initial)
    # Phones then offer the camera as well as files.
    form.fields["scan"].widget.attrs["accept"] = "image/*,application/pdf"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.receipt_record(
                actor=request.user,
                dispatch=dispatch,
                received_on=data["received_on"],
                received_by=data["received_by"],
                received_quantity=data["received_quantity"],
                scan=data["scan"] or None,
            )
        except ValidationError as exc:
            # A plain error can only be about the file (the rest are keyed by field).
            _add_service_errors(form, exc, plain_field="scan" if data["scan"] else None)
        else:
            messages.success(
                request,
                _("Receipt from %(unit)s recorded: %(n)s copies.")
                % {"unit": line.recipient, "n": data["received_quantity"]},
            )
            return redirect(back)
    return render(
        request,
        "materials/distribution_receipt.html",
        {"dispatch": dispatch, "line": line, "edition": line.edition, "form": form, "back": back},
    )


@staff_reader_required
def receipt_scan(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The signed receipt, to the department and viewers only: it is stored under a
    private folder that no web server publishes, and served from here."""
    dispatch = _dispatch(pk)
    scan = dispatch.receipt_scan
    if not scan:
        raise Http404(_("No scan of the receipt was uploaded."))
    detected = distribution.scan_format(scan)
    ext = detected.ext if detected else scan.name.rsplit(".", 1)[-1]
    filename = _("Receipt %(unit)s %(date)s.%(ext)s") % {
        "unit": dispatch.line.recipient.name,
        "date": dispatch.dispatched_on.strftime("%d-%m-%Y"),
        "ext": ext,
    }
    response = serve_file(
        request,
        scan,
        content_type=detected.mime if detected else "application/octet-stream",
        filename=filename,
        as_attachment=detected is None,
    )
    # A signed receipt names people: never stored (as every logged-in response).
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------- reading


@staff_reader_required
def outstanding(request: HttpRequest) -> HttpResponse:
    editions = distribution.planned_editions()
    chosen = next((e for e in editions if str(e.pk) == request.GET.get("edition", "")), None)
    groups = distribution.outstanding_by_edition(chosen)
    return render(
        request,
        "materials/distribution_outstanding.html",
        {
            "editions": editions,
            "chosen": chosen,
            "groups": groups,
            "count": sum(len(g.lines) for g in groups),
            "today": timezone.localdate(),
        },
    )


@staff_reader_required
def totals(request: HttpRequest) -> HttpResponse:
    years = distribution.distribution_years()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else None
    return render(
        request,
        "materials/distribution_totals.html",
        {
            "totals": distribution.totals(distribution.distributed_editions(year)),
            "years": years,
            "year": year,
        },
    )
