"""The results report for the provincial People's Committee (reports/results/): a form
for what only the officer knows (number, date, recipients, signer), a preview of every
figure the report will state, and the report itself as an editable Word file or a PDF.

For the department and the province (coordinator and viewer); the figures come from
`reports.results`, the same functions that write the files."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.decorators import staff_reader_required
from attendees.rules import held_classes
from core.http import document_response
from courses.models import TrainingClass
from reports.forms import ResultsForm
from reports.results import (
    DEFAULT_RECIPIENTS,
    DEFAULT_SUBJECT,
    assessment,
    document_number,
    document_subject,
    results_docx,
    results_figures,
    results_pdf,
)

EXPORTS = {"docx": results_docx, "pdf": results_pdf}
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _years(user) -> list[int]:
    """Years with classes the reader may see, and this year; newest first."""
    years = set(TrainingClass.objects.visible_to(user).values_list("year", flat=True))
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def _default_year(user) -> int:
    """The latest year, not in the future, with a class held (or else any class)."""
    this_year = timezone.localdate().year
    classes = TrainingClass.objects.visible_to(user).official().filter(year__lte=this_year)
    held = held_classes(classes).aggregate(year=Max("year"))["year"]
    return held or classes.aggregate(year=Max("year"))["year"] or this_year


def _defaults(year: int) -> dict[str, str]:
    return {
        **ResultsForm.defaults(DEFAULT_RECIPIENTS),
        "year": str(year),
        "subject": DEFAULT_SUBJECT,
    }


def _query(values: dict) -> str:
    """The form's values (all but the year, which is in the path) as a query string."""
    return urlencode(
        {
            "number": values["number"],
            "on": values["on"].strftime("%d/%m/%Y"),
            "subject": values["subject"],
            "recipients": values["recipients"],
            "signer_title": values["signer_title"],
            "signer_name": values["signer_name"],
        }
    )


@staff_reader_required
def results(request: HttpRequest) -> HttpResponse:
    default_year = _default_year(request.user)
    years = _years(request.user)
    if "year" in request.GET:
        form = ResultsForm({**_defaults(default_year), **request.GET.dict()}, years=years)
    else:
        form = ResultsForm(initial=_defaults(default_year), years=years)
    exports = {}
    values = None
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
    elif not form.is_bound:
        values = {**_defaults(default_year), "year": default_year}
        values["on"] = timezone.localdate()
    if values is not None:
        year = values["year"]
        query = _query(values)
        exports = {
            fmt: reverse("reports:results-export", args=[year, fmt]) + "?" + query
            for fmt in EXPORTS
        }
    else:
        year = form.cleaned_data.get("year") or default_year
    figures = results_figures(year, request.user)
    kinds = [k.kind for k in figures.evaluation.kinds] if figures.evaluation else []
    context = {
        # Part I.6's table as the report states it (reports.results.blocks._evaluation_grid).
        "evaluation_rows": [
            {
                "code": c.training_class.code,
                "valid": c.forms.valid,
                "means": [
                    d.mean_text if (d := c.kind_distribution(kind)) is not None else "–"
                    for kind in kinds
                ],
                "mean": c.distribution.mean_text,
            }
            for c in (figures.evaluation.classes if figures.evaluation else [])
        ],
        "form": form,
        "year": year,
        "figures": figures,
        "assessment": assessment(figures),
        "subject": document_subject(values["subject"] if values else None, year),
        "number": document_number(values["number"] if values else "", figures.short_name),
        "exports": exports,
        # Named, so nobody wonders why the practice class is not among the classes.
        "practice_classes": TrainingClass.objects.visible_to(request.user)
        .practice()
        .filter(year=year)
        .order_by("code"),
    }
    return render(request, "reports/results.html", context)


@staff_reader_required
def results_export(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    if fmt not in EXPORTS or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    data = {**_defaults(year), **request.GET.dict(), "year": str(year)}
    form = ResultsForm(data, years=sorted({year, *_years(request.user)}, reverse=True))
    if not form.is_valid():
        return HttpResponseBadRequest(form.problems(), content_type="text/plain; charset=utf-8")
    values = form.cleaned_data
    render_file = EXPORTS[fmt]
    content = render_file(
        results_figures(year, request.user),
        number=values["number"],
        on=values["on"],
        recipients=values["recipients"],
        signer_title=values["signer_title"],
        signer_name=values["signer_name"],
        subject=values["subject"],
    )
    return document_response(
        content,
        f"Báo cáo kết quả {year}.{fmt}",
        fallback=f"bao-cao-ket-qua-{year}.{fmt}",
        private=True,
    )
