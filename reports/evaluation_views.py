"""The evaluation report as a Word file or a PDF (reports/evaluation_report.py): one
class's, or the year's. For the department and viewers only — it lists the comments,
which only they read (evaluation/report_views.py says who sees what). The statistics
pages, with the form that leads here, are evaluation/report_views.py."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404

from accounts.decorators import staff_reader_required
from core.http import document_response
from courses.models import TrainingClass
from evaluation.forms import report_form
from evaluation.models import Evaluation
from evaluation.stats import class_figures, year_figures
from reports import evaluation_report
from reports.results_views import FIRST_YEAR, LAST_YEAR

FORMATS = ("docx", "pdf")


def _document(request: HttpRequest, subject: str) -> dict | HttpResponse:
    """The officer's fields (number, date, recipients, signer) from the query string, as
    the statistics page's form sent them (evaluation.forms.report_form, the results
    report's fields); a 400 saying what is wrong."""
    form = report_form(request.GET.dict())
    if not form.is_valid():
        return HttpResponseBadRequest(form.problems(), content_type="text/plain; charset=utf-8")
    return {**form.cleaned_data, "subject": subject}


@staff_reader_required
def class_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    klass = get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)
    evaluation = get_object_or_404(Evaluation, training_class=klass)
    figures = class_figures(evaluation)
    document = _document(request, evaluation_report.class_subject(figures))
    if isinstance(document, HttpResponse):
        return document
    content = evaluation_report.class_report(figures, fmt, **document)
    return document_response(
        content,
        f"Báo cáo đánh giá {klass.code}.{fmt}",
        fallback=f"bao-cao-danh-gia-{klass.code}.{fmt}",
        private=True,
    )


@staff_reader_required
def year_export(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    document = _document(request, evaluation_report.year_subject(year))
    if isinstance(document, HttpResponse):
        return document
    content = evaluation_report.year_report(year_figures(year), fmt, **document)
    return document_response(
        content,
        f"Báo cáo đánh giá {year}.{fmt}",
        fallback=f"bao-cao-danh-gia-{year}.{fmt}",
        private=True,
    )
