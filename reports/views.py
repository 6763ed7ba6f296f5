"""Attendance reports: the dashboard (charts), one class's report (matrix, summaries,
absentees) with its exports, and the full-year workbook as a background job. Every read
goes through `reports.queries` with the reader's scope: a unit sees only its own."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from attendees.models import Enrollment
from core.http import CONTENT_TYPES, document_response
from core.jobs import JobState
from core.media import serve_file
from courses.models import TrainingClass
from reports import exports, tasks
from reports.models import ReportJob
from reports.queries import (
    absentees,
    category_summary,
    class_matrix,
    class_rates,
    classes_for_year,
    unit_summary,
)

EXPORT_VIEWS = ("matrix", "units", "categories", "absentees")
EXPORT_FORMATS = ("xlsx", "csv", "pdf")


@dataclass
class RateBar:
    """A bar of a rate chart: the width is the rate itself (out of 100 %)."""

    label: str
    value: float | None  # None: nothing to measure yet ("not held yet", no bar)
    note: str = ""

    @property
    def width(self) -> float:
        return max(0.0, min(100.0, self.value or 0.0))


def _year(request: HttpRequest) -> int:
    """?year= if it is a calendar year (the page links to URLs that hold it as a positive
    number, and the column is a small integer), else the latest year with a class."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if 1 <= year <= 9999:
        return year
    latest = TrainingClass.objects.visible_to(request.user).order_by("-year").first()
    return latest.year if latest else timezone.localdate().year


@role_required
def dashboard(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    classes = classes_for_year(year, request.user)
    units = unit_summary(classes, request.user)
    categories = category_summary(classes, request.user)
    rates = class_rates(classes, request.user)
    years = sorted(
        set(TrainingClass.objects.visible_to(request.user).values_list("year", flat=True)),
        reverse=True,
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            "year": year,
            "years": years,
            "units": units,
            "categories": categories,
            # Every class of the year: one not held yet says so rather than showing 0 %.
            "class_bars": [
                RateBar(r.training_class.code, r.rate.value, r.training_class.title) for r in rates
            ],
            "unit_bars": [RateBar(r.label, r.rate.value) for r in units.rows if r.rate.known],
            "category_bars": [
                RateBar(f"{r.key.code})", r.enrolled, r.key.name) for r in categories.rows
            ],
            "category_max": max((r.enrolled for r in categories.rows), default=0) or 1,
            "classes": [r.training_class for r in rates],
            # Named, so nobody wonders why the practice class is missing from the figures.
            "practice_classes": TrainingClass.objects.visible_to(request.user)
            .practice()
            .filter(year=year)
            .order_by("code"),
            "job": ReportJob.objects.filter(
                kind="year", params__year=year, requested_by=request.user
            ).first(),
        },
    )


def _class_for_user(request: HttpRequest, code: str) -> TrainingClass:
    return get_object_or_404(
        TrainingClass.objects.visible_to(request.user).select_related("organiser", "venue"),
        code=code,
    )


@role_required
def class_report(request: HttpRequest, code: str) -> HttpResponse:
    klass = _class_for_user(request, code)
    one = TrainingClass.objects.filter(pk=klass.pk)
    return render(
        request,
        "reports/class_report.html",
        {
            "klass": klass,
            "matrix": class_matrix(klass, Enrollment.objects.visible_to(request.user)),
            "units": unit_summary(one, request.user),
            "categories": category_summary(one, request.user),
            "absentees": absentees(one, request.user),
            "views": EXPORT_VIEWS,
        },
    )


@role_required
def class_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    klass = _class_for_user(request, code)
    view = request.GET.get("view", "matrix")
    if fmt not in EXPORT_FORMATS or view not in EXPORT_VIEWS:
        raise Http404
    if fmt == "xlsx":
        content: bytes | str = exports.class_workbook(klass, request.user)
        filename = f"diem-danh-{klass.code}.xlsx"
    elif fmt == "csv":
        content = exports.class_csv(klass, request.user, view)
        filename = f"{view}-{klass.code}.csv"
    else:
        content = exports.class_pdf(klass, request.user, view)
        filename = f"{view}-{klass.code}.pdf"
    return document_response(content, filename, as_attachment=fmt != "pdf")


# ---------------------------------------------------------------------------- year export


@role_required
@require_POST
def year_export_start(request: HttpRequest, year: int) -> HttpResponse:
    """The full-year workbook can be large (a national year is ~100,000 rows): it is
    made by the task worker; the dashboard shows its progress and then the file."""
    tasks.year_export_start(actor=request.user, year=year)
    return redirect(f"{_dashboard_url(year)}#year-export")


def _dashboard_url(year: int) -> str:
    from django.urls import reverse

    return f"{reverse('reports:dashboard')}?year={year}"


def _job_for_user(request: HttpRequest, pk: int) -> ReportJob:
    job = get_object_or_404(ReportJob, pk=pk)
    # A job's file is scoped to who asked for it: only they (or the coordinator) get it.
    if job.requested_by_id != request.user.pk and not request.user.is_coordinator:
        raise PermissionDenied(_("This export was prepared for another user."))
    return job


@role_required
@never_cache
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    # A job whose worker was killed is queued again while someone watches it.
    job = tasks.job_resume(_job_for_user(request, pk))
    return JsonResponse(job.progress())


@role_required
def job_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _job_for_user(request, pk)
    if job.state != JobState.DONE or not job.file:
        raise Http404
    return serve_file(
        request,
        job.file,
        as_attachment=True,
        filename=f"bao-cao-diem-danh-{job.params.get('year')}.xlsx",
        content_type=CONTENT_TYPES["xlsx"],
    )
