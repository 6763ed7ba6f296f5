"""The evaluation's statistics pages: one class's figures, and a year's. Counts, means and
distributions only — never one form: no page here shows a form number, an answer of one
form, or who answered.

Who reads what (decided here, in `_reader_scope`):

* the coordinator and viewers: everything, comments included;
* a trainer of the class: the class's figures, but not a colleague's lecturer section
  (an assessment of another named person) nor the class mean that contains it, and no
  comment (a comment is one person's own words, sometimes recognisable by its wording);
* a unit's officer: nothing. The evaluation is the department's check of its own
  course and lecturers; a unit has no use for a lecturer's scores, and a unit's handful
  of participants in a small class should not be the audience of what they answered;
* the year's page: the coordinator and viewers only (it names every lecturer's scores).

The Word/PDF report is made by ``reports`` (it reuses the results report's writers, a
layer above this app): reports/evaluation_views.py.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import pgettext

from accounts.decorators import role_required, staff_reader_required
from courses.models import Trainer, TrainingClass
from evaluation.forms import report_form
from evaluation.models import Evaluation
from evaluation.rules import MIN_VALID_FORMS_FOR_TRAINERS, SCALE_LABELS
from evaluation.stats import class_figures, year_figures


def _class_for_reader(request: HttpRequest, code: str) -> tuple[TrainingClass, bool]:
    """The class and whether the reader sees it whole (with comments); 404 for a class
    the reader may not see at all, 403 for a unit's officer."""
    klass = get_object_or_404(
        TrainingClass.objects.visible_to(request.user).select_related("organiser"), code=code
    )
    user = request.user
    if user.can_view_all_classes:
        return klass, True
    if user.is_trainer:
        return klass, False
    raise PermissionDenied(
        pgettext(
            "evaluation statistics",
            "Only the department, viewers and the class's trainers see this.",
        )
    )


@role_required
def class_statistics(request: HttpRequest, code: str) -> HttpResponse:
    klass, whole = _class_for_reader(request, code)
    evaluation = Evaluation.objects.filter(training_class=klass).first()
    figures = None
    if evaluation is not None:
        figures = class_figures(evaluation)
        if not whole:
            figures = figures.for_trainer(Trainer.objects.filter(user=request.user).first())
    return render(
        request,
        "evaluation/stats_class.html",
        {
            "klass": klass,
            "evaluation": evaluation,
            "figures": figures,
            "whole": whole,
            "min_forms": MIN_VALID_FORMS_FOR_TRAINERS,
            "scale": list(SCALE_LABELS.items()),
            "report_form": report_form() if whole else None,
        },
    )


@staff_reader_required
def year_statistics(request: HttpRequest, year: int) -> HttpResponse:
    figures = year_figures(year)
    years = sorted(
        {*TrainingClass.objects.official().values_list("year", flat=True), year}, reverse=True
    )
    return render(
        request,
        "evaluation/stats_year.html",
        {
            "year": year,
            "years": years,
            "figures": figures,
            "practice_classes": TrainingClass.objects.practice().filter(year=year).order_by("code"),
            "scale": list(SCALE_LABELS.items()),
            "report_form": report_form(),
        },
    )
