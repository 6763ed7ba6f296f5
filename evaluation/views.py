"""The staff's evaluation pages: survey templates (coordinator), a class's evaluation
(counts only — no page shows a single form or who answered), printing numbered paper
forms and typing them in. The participant's own page is :mod:`evaluation.answer_views`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import coordinator_required, staff_reader_required
from attendees.models import Enrollment
from core.http import document_response
from core.pages import confirm_page, form_errors
from courses.models import TrainingClass
from evaluation import services
from evaluation.forms import (
    SCALE_LEGEND,
    AnswerForm,
    OpenForm,
    PaperNumberForm,
    PaperReserveForm,
    PaperWithdrawForm,
    SectionForm,
    TemplateForm,
)
from evaluation.models import (
    Evaluation,
    PaperBatch,
    ResponseSource,
    SurveyTemplate,
    TemplateSection,
)
from evaluation.paper import paper_forms_pdf
from evaluation.rules import MAX_UNANSWERED_PERCENT, form_label

# --- Access helpers ----------------------------------------------------------------------


def _get_class(request: HttpRequest, code: str) -> TrainingClass:
    return get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)


def _get_evaluation(request: HttpRequest, code: str) -> Evaluation:
    klass = _get_class(request, code)
    return get_object_or_404(
        Evaluation.objects.visible_to(request.user).select_related("training_class"),
        training_class=klass,
    )


def _page(code: str) -> str:
    return reverse("evaluation:class", args=[code])


# --- Templates ---------------------------------------------------------------------------


@coordinator_required
def template_list(request: HttpRequest) -> HttpResponse:
    templates = SurveyTemplate.objects.annotate(
        section_count=Count("sections", distinct=True),
        indicator_count=Count("sections__indicators", distinct=True),
    )
    return render(request, "evaluation/template_list.html", {"templates": templates})


@coordinator_required
def template_create(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_save(actor=request.user, template=form.instance)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Template created; now add its sections."))
            return redirect("evaluation:template-edit", pk=template.pk)
    return render(request, "evaluation/template_form.html", {"form": form, "template": None})


@coordinator_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(SurveyTemplate, pk=pk)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_save(actor=request.user, template=form.instance)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("evaluation:template-edit", pk=template.pk)
    sections = template.sections.prefetch_related("indicators")
    return render(
        request,
        "evaluation/template_form.html",
        {"form": form, "template": template, "sections": sections},
    )


@coordinator_required
@require_POST
def template_copy(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(SurveyTemplate, pk=pk)
    copy = services.template_copy(actor=request.user, template=template)
    messages.success(request, _("Copied as “%(name)s”.") % {"name": copy.name})
    return redirect("evaluation:template-edit", pk=copy.pk)


def _section_page(request: HttpRequest, template: SurveyTemplate, section: TemplateSection):
    form = SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_save(
                actor=request.user, section=form.instance, indicators=form.indicator_lines()
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Section saved."))
            return redirect("evaluation:template-edit", pk=template.pk)
    return render(
        request,
        "evaluation/section_form.html",
        {"form": form, "template": template, "section": section},
    )


@coordinator_required
def section_create(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(SurveyTemplate, pk=pk)
    last = template.sections.order_by("-position").values_list("position", flat=True).first()
    section = TemplateSection(template=template, position=(last or 0) + 1)
    return _section_page(request, template, section)


@coordinator_required
def section_edit(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_object_or_404(TemplateSection.objects.select_related("template"), pk=pk)
    return _section_page(request, section.template, section)


@coordinator_required
def section_delete(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_object_or_404(TemplateSection.objects.select_related("template"), pk=pk)
    template = section.template
    return confirm_page(
        request,
        act=lambda: services.section_delete(actor=request.user, section=section),
        done=lambda _result: _("Section “%(title)s” deleted.") % {"title": section.title},
        back=reverse("evaluation:template-edit", args=[template.pk]),
        page={
            "title": _("Delete section “%(title)s”?") % {"title": section.title},
            "subject": template.name,
            "consequences": [
                _("The section and its %(n)s indicators are removed from the template.")
                % {"n": section.indicators.count()},
                _("Evaluations already opened keep their own copy and are not changed."),
            ],
            "button": _("Delete the section"),
            "danger": True,
        },
    )


# --- A class's evaluation ----------------------------------------------------------------


@staff_reader_required
def class_evaluation(request: HttpRequest, code: str) -> HttpResponse:
    """Counts only: forms received (online, paper), valid and invalid, enrolled; and the
    indicators asked. No form and nobody's name."""
    klass = _get_class(request, code)
    evaluation = Evaluation.objects.filter(training_class=klass).first()
    context = {
        "klass": klass,
        "evaluation": evaluation,
        "enrolled": Enrollment.objects.filter(training_class=klass).count(),
    }
    if evaluation is not None:
        context.update(
            counts=evaluation.counts(),
            printed=evaluation.paper_printed(),
            batches=evaluation.paper.order_by("first_number"),
            sections=evaluation.sections.prefetch_related("indicators"),
            reserve_form=PaperReserveForm(),
        )
    elif request.user.is_coordinator:
        context["open_form"] = OpenForm()
    return render(request, "evaluation/class_evaluation.html", context)


@coordinator_required
@require_POST
def evaluation_open(request: HttpRequest, code: str) -> HttpResponse:
    """The first opening copies the chosen template; a closed one is reopened through
    :func:`evaluation_reopen` (which asks first)."""
    klass = _get_class(request, code)
    if Evaluation.objects.filter(training_class=klass).exists():
        return redirect(_page(code))
    form = OpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(_page(code))
    try:
        services.evaluation_open(
            actor=request.user, training_class=klass, template=form.cleaned_data["template"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The evaluation is open: participants can answer from their own link.")
        )
    return redirect(_page(code))


@coordinator_required
def evaluation_close(request: HttpRequest, code: str) -> HttpResponse:
    evaluation = _get_evaluation(request, code)
    klass = evaluation.training_class
    counts = evaluation.counts()
    return confirm_page(
        request,
        act=lambda: services.evaluation_close(actor=request.user, evaluation=evaluation),
        done=lambda _result: _("The evaluation of %(code)s is closed.") % {"code": klass.code},
        back=_page(code),
        page={
            "title": _("Close the evaluation of %(code)s?") % {"code": klass.code},
            "subject": klass.title,
            "refusal": "" if evaluation.is_open else _("The evaluation is already closed."),
            "consequences": [
                _("Participants can no longer answer or correct their forms online."),
                _("%(n)s forms received so far are kept.") % {"n": counts["total"]},
                _("Paper forms can still be typed in, and you can reopen the evaluation."),
            ],
            "button": _("Close the evaluation"),
            "danger": True,
        },
    )


@coordinator_required
def evaluation_reopen(request: HttpRequest, code: str) -> HttpResponse:
    evaluation = _get_evaluation(request, code)
    klass = evaluation.training_class
    return confirm_page(
        request,
        act=lambda: services.evaluation_open(actor=request.user, training_class=klass),
        done=lambda _result: _("The evaluation of %(code)s is open again.") % {"code": klass.code},
        back=_page(code),
        page={
            "title": _("Reopen the evaluation of %(code)s?") % {"code": klass.code},
            "subject": klass.title,
            "refusal": _("The evaluation is open.") if evaluation.is_open else "",
            "consequences": [
                _("Participants can answer, and correct the forms they sent, again."),
                _("The forms received are kept, with their numbers."),
            ],
            "button": _("Reopen the evaluation"),
            "danger": False,
        },
    )


# --- Paper forms -------------------------------------------------------------------------


@coordinator_required
@require_POST
def paper_reserve(request: HttpRequest, code: str) -> HttpResponse:
    evaluation = _get_evaluation(request, code)
    form = PaperReserveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(_page(code))
    try:
        batch = services.paper_forms_reserve(
            actor=request.user, evaluation=evaluation, count=form.cleaned_data["count"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_page(code))
    messages.success(
        request,
        _("Forms %(first)s to %(last)s are reserved: download them and print one per person.")
        % {
            "first": form_label(code, batch.first_number),
            "last": form_label(code, batch.last_number),
        },
    )
    return redirect(_page(code))


@require_GET
@coordinator_required
def paper_pdf(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The printed forms of one reserved batch, one numbered form each (never a person's
    name: the forms are anonymous). Drawing them changes nothing."""
    evaluation = _get_evaluation(request, code)
    batch = get_object_or_404(PaperBatch, pk=pk, evaluation=evaluation)
    content = paper_forms_pdf(evaluation, batch.first_number, batch.last_number)
    name = f"phieu-danh-gia-{code}-{batch.first_number:03d}-{batch.last_number:03d}.pdf"
    return document_response(content, name, as_attachment=False)


@coordinator_required
def paper_entry(request: HttpRequest, code: str) -> HttpResponse:
    """Typing in paper forms: the number first (checked against what was printed and
    what was entered), then the grid; each form is saved whole or not at all, and the
    next number is proposed."""
    evaluation = _get_evaluation(request, code)
    number_form = PaperNumberForm(
        request.POST or (request.GET if "number" in request.GET else None)
    )
    number, problem, form, withdraw_url = None, "", None, ""
    if number_form.is_bound and number_form.is_valid():
        number = number_form.cleaned_data["number"]
        problem = services.paper_number_problem(evaluation, number)
        if problem:
            number_form.add_error("number", problem)
            # A paper form typed in wrongly is taken back here, then typed in again.
            if evaluation.responses.filter(number=number, source=ResponseSource.PAPER).exists():
                withdraw_url = (
                    reverse("evaluation:paper-withdraw", args=[code]) + f"?number={number}"
                )
            number = None  # back to the number, with why
    if number is not None:
        form = AnswerForm(
            request.POST if request.method == "POST" else None, evaluation=evaluation, quick=True
        )
        if request.method == "POST" and form.is_valid():
            try:
                response = services.response_enter_paper(
                    actor=request.user,
                    evaluation=evaluation,
                    number=number,
                    answers=form.answers(),
                    comments=form.comments(),
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                text = _("Form %(label)s saved: %(answered)s of %(total)s answered.") % {
                    "label": response.label,
                    "answered": response.answered,
                    "total": response.indicators,
                }
                if not response.is_valid:
                    text += " " + _(
                        "More than %(percent)s%% unanswered: this form does not count."
                    ) % {"percent": MAX_UNANSWERED_PERCENT}
                messages.success(request, text)
                url = reverse("evaluation:paper-entry", args=[code])
                # Proposed, not opened: the next form in the pile may have another number.
                proposed = evaluation.next_paper_number(after=number)
                return redirect(f"{url}?next={proposed}" if proposed else url)
    proposed = evaluation.next_paper_number()
    if request.GET.get("next", "").isdigit():
        proposed = int(request.GET["next"])
    counts = evaluation.counts()
    return render(
        request,
        "evaluation/paper_entry.html",
        {
            "evaluation": evaluation,
            "klass": evaluation.training_class,
            "number_form": number_form,
            "number": number,
            "label": form_label(code, number) if number else "",
            "form": form,
            "proposed": proposed,
            "proposed_label": form_label(code, proposed) if proposed else "",
            "entered": counts["paper"],
            "printed": evaluation.paper_printed(),
            "legend": SCALE_LEGEND,
            "withdraw_url": withdraw_url,
        },
    )


@coordinator_required
def paper_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """Take back a typed-in paper form (typed in wrongly), by its number and with a
    reason; then its number can be typed in again. Never an online form, never a name."""
    evaluation = _get_evaluation(request, code)
    klass = evaluation.training_class
    typed = (request.POST or request.GET).get("number", "")
    form = PaperWithdrawForm(
        request.POST or None, initial={"number": int(typed) if typed.isdigit() else None}
    )
    entry = reverse("evaluation:paper-entry", args=[code])
    return confirm_page(
        request,
        act=lambda: services.paper_form_withdraw(
            actor=request.user,
            evaluation=evaluation,
            number=form.cleaned_data["number"],
            reason=form.cleaned_data["reason"],
        ),
        done=lambda number: (
            _("Form %(label)s is withdrawn: type it in again.")
            % {"label": form_label(code, number)}
        ),
        # Back at the number, which now opens an empty grid.
        back=f"{entry}?number={typed}" if typed.isdigit() else entry,
        page={
            "title": _("Withdraw a typed-in paper form?"),
            "subject": f"{klass.code} — {klass.title}",
            "consequences": [
                _("The form's answers and comments are deleted and no longer counted."),
                _("Its number can then be typed in again from the paper form."),
                _("Only paper forms: a form answered online belongs to its participant."),
            ],
            "button": _("Withdraw the form"),
            "danger": True,
        },
        form=form,
    )
