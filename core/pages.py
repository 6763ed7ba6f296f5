"""What the HTML pages of every app share: a service's refusal shown on the form that
asked for it, and the shared confirmation page (templates/confirm.html) for an action
that changes many rows or needs a reason (closing or reopening a session or a class,
withdrawing and restoring a material)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def form_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names when the form has
    that field, otherwise above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def confirm_page(
    request: HttpRequest,
    *,
    act: Callable[[], Any],
    done: Callable[[Any], str],
    back: str,
    page: dict,
    form: forms.Form | None = None,
) -> HttpResponse:
    """The confirmation page: only a POST carrying ``confirm`` (and a valid ``form``, when
    there is one) acts. ``act()`` runs the service; its refusal is shown on the form, or
    without a form instead of the button; its result is worded by ``done`` as the success
    message, and then back to ``back``, which is also where Cancel goes. ``page`` is the
    rest of what confirm.html shows (title, subject, consequences, button, danger)."""
    refusal = page.get("refusal") or ""  # a page may say up front why it cannot act
    if (
        request.method == "POST"
        and request.POST.get("confirm") == "yes"
        and (form is None or form.is_valid())
    ):
        try:
            result = act()
        except ValidationError as exc:
            if form is None:
                refusal = " ".join(exc.messages)
            else:
                form_errors(form, exc)
        else:
            messages.success(request, done(result))
            return redirect(back)
    return render(
        request,
        "confirm.html",
        {**page, "form": form, "refusal": refusal, "cancel_url": back},
    )


def confirm_with_reason(
    request: HttpRequest,
    *,
    form_class: type[forms.Form],
    act: Callable[[str], Any],
    done: Callable[[Any], str],
    back: str,
    page: dict,
) -> HttpResponse:
    """:func:`confirm_page` for an action that needs a reason (a form with a ``reason``
    field): ``act(reason)``."""
    form = form_class(request.POST or None)
    return confirm_page(
        request,
        act=lambda: act(form.cleaned_data["reason"]),
        done=done,
        back=back,
        page=page,
        form=form,
    )
