"""What the HTML pages of every app share: a service's refusal shown on the form that
asked for it, and the shared confirmation page (templates/confirm.html) for an action
that needs a reason (reopening a session or a class, withdrawing a material)."""

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


def confirm_with_reason(
    request: HttpRequest,
    *,
    form_class: type[forms.Form],
    act: Callable[[str], Any],
    done: Callable[[Any], str],
    back: str,
    page: dict,
) -> HttpResponse:
    """The confirmation page with a reason (a form with a ``reason`` field): only a POST
    carrying ``confirm`` and a valid reason acts. ``act(reason)`` runs the service; its
    refusal is shown on the form, its result worded by ``done`` as the success message,
    and then back to ``back``, which is also where Cancel goes. ``page`` is the rest of
    what confirm.html shows (title, subject, consequences, button...)."""
    form = form_class(request.POST or None)
    if request.method == "POST" and request.POST.get("confirm") == "yes" and form.is_valid():
        try:
            result = act(form.cleaned_data["reason"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, done(result))
            return redirect(back)
    return render(request, "confirm.html", {**page, "form": form, "cancel_url": back})
