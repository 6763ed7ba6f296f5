"""The allowance payment list of a class: its rates, a preview, the signed vouchers.

Money is the department's business: the coordinator sets the rates and prints, a viewer
reads and prints, nobody else opens these pages (trainers and units do not pay). The
rule and the amounts are in reports/payments.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import staff_reader_required
from core.documents.wording import vn_int
from core.http import document_response
from courses.models import Session, TrainingClass
from reports import payments as pay
from reports.forms import AllowanceForm
from reports.models import ClassAllowance
from reports.services import allowance_save

# ---------------------------------------------------------------------------- helpers


def _class_for(request: HttpRequest, code: str) -> TrainingClass:
    return get_object_or_404(
        TrainingClass.objects.visible_to(request.user).select_related("venue", "organiser__parent"),
        code=code,
    )


def _session_for(request: HttpRequest, klass: TrainingClass) -> Session | None:
    """The ?session=<pk> of a list for one session; 404 unless it is one of the class's."""
    raw = request.GET.get("session", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(Session.objects.filter(training_class=klass), pk=int(raw))


def _display_rows(plist: pay.PaymentList) -> list[dict]:
    return [
        {
            "name": row.name,
            "unit": row.unit,
            "days": row.days,
            "meals": vn_int(row.meals),
            "nights": row.nights,
            "lodging": vn_int(row.lodging),
            "travel": vn_int(row.travel),
            "total": vn_int(row.total),
        }
        for row in plist.rows
    ]


def _filename(klass: TrainingClass, session: Session | None, fmt: str) -> str:
    name = f"danh-sach-chi-tra-{klass.code}"
    if session is not None:
        name += f"-buoi-{session.date:%Y%m%d}-{session.start_time:%H%M}"
    return f"{name}.{fmt}"


# ---------------------------------------------------------------------------- views


@staff_reader_required
@require_http_methods(["GET", "HEAD", "POST"])
def payments(request: HttpRequest, code: str) -> HttpResponse:
    klass = _class_for(request, code)
    session = _session_for(request, klass)
    allowance = ClassAllowance.objects.filter(training_class=klass).first()
    can_edit = request.user.is_coordinator

    form = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the department coordinator can do this."))
        form = AllowanceForm(
            request.POST, instance=allowance or ClassAllowance(training_class=klass)
        )
        if form.is_valid():
            allowance_save(actor=request.user, training_class=klass, rates=form.cleaned_data)
            messages.success(request, _("The allowance rates have been saved."))
            return redirect(reverse("reports:payments", args=[klass.code]))
    elif can_edit:
        form = AllowanceForm(instance=allowance or ClassAllowance(training_class=klass))

    plist = pay.payment_list(klass, session=session)
    query = f"?session={session.pk}" if session else ""
    return render(
        request,
        "reports/payments.html",
        {
            "klass": klass,
            "session": session,
            "form": form,
            "plist": plist,
            "rows": _display_rows(plist),
            "totals": {
                "days": plist.totals.days,
                "meals": vn_int(plist.totals.meals),
                "nights": plist.totals.nights,
                "lodging": vn_int(plist.totals.lodging),
                "travel": vn_int(plist.totals.travel),
                "total": vn_int(plist.total),
            },
            "rates": {
                "meal": vn_int(plist.rates.meal_per_day),
                "lodging": vn_int(plist.rates.lodging_per_night),
                "travel": vn_int(plist.rates.travel_per_person),
            },
            "sessions": [
                {"session": s.session, "people": s.people, "total": vn_int(s.total)}
                for s in pay.session_summaries(klass)
            ],
            "pdf_url": reverse("reports:payments-export", args=[klass.code, "pdf"]) + query,
            "xlsx_url": reverse("reports:payments-export", args=[klass.code, "xlsx"]) + query,
        },
    )


@staff_reader_required
@require_safe
def payments_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    klass = _class_for(request, code)
    session = _session_for(request, klass)
    plist = pay.payment_list(klass, session=session)
    today = timezone.localdate()
    if fmt == "pdf":
        content = pay.payment_list_pdf(plist, on=today)
    else:
        content = pay.payment_list_xlsx(plist, on=today)
    return document_response(content, _filename(klass, session, fmt))
