"""The participant answers the class's evaluation from their personal link
(``/p/<token>/danh-gia/``): no login, made for a phone on a slow connection, no script.

The link finds the enrollment; the form keeps only a keyed hash of it (services
``respondent_key``), so the person can correct their own form while the evaluation is
open and nobody can tell whose form is whose. The page never shows the person's name
either: whoever holds the link sees the class and the form, nothing more."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from attendees.personal import (
    enrollment_for_page,
    page_language,
    page_rate_limited,
    remember_language,
)
from core.pages import form_errors
from evaluation import services
from evaluation.forms import SCALE_LEGEND, AnswerForm
from evaluation.models import Evaluation


def _private(response: HttpResponse) -> HttpResponse:
    """A personal link: kept by no cache, indexed by no search engine, and never sent on
    to another site as a Referer. "same-origin", not "no-referrer": under no-referrer
    the browser sends "Origin: null" with the form's POST and Django's CSRF check
    refuses it (403) — the link still reaches no other site either way."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The survey, in the participant's page's light layout and with its VI/EN links (a
    GET ``?lang=``, kept in the language cookie as the page keeps it)."""
    chosen = page_language(request)
    return remember_language(_answer(request, token), chosen)


def _answer(request: HttpRequest, token: str) -> HttpResponse:
    if page_rate_limited(request):
        response = render(request, "evaluation/answer_limited.html", status=429)
        response["Retry-After"] = "60"
        return _private(response)
    enrollment = enrollment_for_page(token)
    if enrollment is None:
        return _private(render(request, "evaluation/answer_unknown.html", status=404))
    klass = enrollment.training_class
    evaluation = Evaluation.objects.filter(training_class=klass).first()
    own = services.response_of(evaluation, enrollment) if evaluation else None
    context = {
        "klass": klass,
        "evaluation": evaluation,
        "own": own,
        "legend": SCALE_LEGEND,
        "token": token,  # the way back to the person's page
    }
    if evaluation is None or not evaluation.is_open:
        return _private(render(request, "evaluation/answer.html", context))

    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        evaluation=evaluation,
        initial=AnswerForm.initial_for(own),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.response_submit(
                evaluation=evaluation,
                enrollment=enrollment,
                answers=form.answers(),
                comments=form.comments(),
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            text = (
                _("Your corrections are saved. Your form number is %(label)s.")
                if own
                else _("Thank you! Your answers are saved. Your form number is %(label)s.")
            ) % {"label": saved.label}
            messages.success(request, text)
            if not saved.is_valid:
                messages.warning(
                    request,
                    _(
                        "%(missing)s of %(total)s questions are unanswered: more than 5%% "
                        "unanswered, so this form will not be counted. You can still "
                        "answer them below."
                    )
                    % {"missing": saved.indicators - saved.answered, "total": saved.indicators},
                )
            return _private(redirect(request.path + "#saved"))
    context.update(form=form, allowed_blank=form.unanswered_allowed())
    return _private(render(request, "evaluation/answer.html", context))
