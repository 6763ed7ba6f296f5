"""The final assessment page of a class: the trainer (or the coordinator) enters each
learner's result and score in one list; the others who see the class read it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.decorators import role_required
from attendees.assessment import assessment_record_many, assessment_refusal, can_enter_assessment
from attendees.forms import AssessmentListForm
from attendees.models import Enrollment
from attendees.rules import requirement_of
from courses.models import TrainingClass
from courses.vietnamese import sorted_by_participant


@role_required
def class_assessment(request: HttpRequest, code: str) -> HttpResponse:
    """Everyone who sees the class reads the results of the people they may see (a unit's
    officer, its own); its trainers and the coordinator save them, until a certificate of
    the class is issued."""
    klass = get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)
    can_enter = can_enter_assessment(request.user, klass)
    refusal = assessment_refusal(klass)
    enrollments = sorted_by_participant(
        Enrollment.objects.visible_to(request.user)
        .filter(training_class=klass)
        .select_related("participant", "organisation")
    )
    if request.method == "POST":
        if not can_enter:
            raise PermissionDenied(_("Only the class's trainers and the department enter results."))
        form = AssessmentListForm(request.POST, enrollments=enrollments)
        if refusal:
            messages.error(request, refusal)
            return redirect("attendees:assessment", code=klass.code)
        if form.is_valid():
            try:
                saved = assessment_record_many(
                    actor=request.user, training_class=klass, changes=form.changes()
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    form.add_row_errors(exc)
                else:  # the list as a whole (a certificate issued meanwhile)
                    messages.error(request, " ".join(exc.messages))
                    return redirect("attendees:assessment", code=klass.code)
            else:
                if saved:
                    messages.success(
                        request,
                        ngettext("%(n)s result saved.", "%(n)s results saved.", len(saved))
                        % {"n": len(saved)},
                    )
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("attendees:assessment", code=klass.code)
        refused = [row.enrollment.participant.full_name for row in form.rows if row.errors]
        messages.error(
            request,
            ngettext(
                "Nothing was saved: correct the person marked below (%(names)s).",
                "Nothing was saved: correct the people marked below (%(names)s).",
                len(refused),
            )
            % {"names": ", ".join(refused)},
        )
    else:
        form = AssessmentListForm(enrollments=enrollments)
    requirement = requirement_of(klass)
    return render(
        request,
        "attendees/assessment.html",
        {
            "klass": klass,
            "form": form,
            "requirement": requirement,
            "editable": can_enter and not refusal,
            "can_enter": can_enter,
            "refusal": refusal,
            "rows": [
                (row, requirement.met(row.enrollment.assessment, row.enrollment.score))
                for row in form.rows
            ],
        },
    )
