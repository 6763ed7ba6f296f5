"""Correcting the catalogue (the coordinator): edit an edition, withdraw a file, an
edition or a class's material with a reason, and undo a withdrawal.

Nothing is deleted: a withdrawn row leaves the library, the Ministry package, the lists
to attach and hand out and the totals (`.current()` on each QuerySet), while the
hand-outs and dispatches already recorded keep their records. Each withdrawal asks for
confirmation on the shared page (templates/confirm.html) saying what will happen. Writes
are in `materials.services`, audited there.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.decorators import coordinator_required
from core.pages import confirm_page, confirm_with_reason, form_errors
from materials import services
from materials.forms import EditionEditForm, WithdrawForm
from materials.models import (
    ClassMaterial,
    Dispatch,
    Edition,
    Handover,
    MaterialFile,
    Withdrawable,
)
from materials.views import _class_material


def _day(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def _undo_note() -> str:
    return _("The coordinator can undo the withdrawal later.")


def _withdraw_page(
    request: HttpRequest,
    row: Withdrawable,
    *,
    already: str,
    title: str,
    subject: str,
    consequences: list[str],
    back: str,
    act: Callable[[str], object],
    done: str,
) -> HttpResponse:
    """Withdraw `row` with a reason; a row withdrawn already goes back, saying `already`."""
    if row.is_withdrawn:
        messages.info(request, already)
        return redirect(back)
    return confirm_with_reason(
        request,
        form_class=WithdrawForm,
        act=act,
        done=lambda _result: done,
        back=back,
        page={
            "title": title,
            "subject": subject,
            "consequences": [*consequences, _undo_note()],
            "button": pgettext("material", "Withdraw"),
            "danger": True,
        },
    )


def _restore_page(
    request: HttpRequest,
    row: Withdrawable,
    *,
    not_withdrawn: str,
    title: str,
    subject: str,
    consequence: str,
    back: str,
    act: Callable[[], object],
    done: str,
) -> HttpResponse:
    """Undo the withdrawal of `row`, showing when and why it was withdrawn; a row that is
    not withdrawn goes back, saying `not_withdrawn`."""
    if not row.is_withdrawn:
        messages.info(request, not_withdrawn)
        return redirect(back)
    return confirm_page(
        request,
        act=act,
        done=lambda _result: done,
        back=back,
        page={
            "title": title,
            "subject": subject,
            "consequences": [
                consequence,
                _("Withdrawn on %(at)s: %(reason)s")
                % {"at": _day(row.withdrawn_at), "reason": row.withdrawn_reason},
            ],
            "button": _("Restore"),
            "danger": False,
        },
    )


def _edition_url(edition: Edition) -> str:
    """The edition on its material's page, where the coordinator corrects it."""
    url = reverse("materials:material-detail", args=[edition.material_id])
    return f"{url}#edition-{edition.pk}"


# ---------------------------------------------------------------------------- an edition


@coordinator_required
def edition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(Edition.objects.select_related("material"), pk=pk)
    form = EditionEditForm(request.POST or None, instance=edition)
    if request.method == "POST" and form.is_valid():
        try:
            services.edition_update(
                actor=request.user,
                edition=form.save(commit=False),
                languages=form.cleaned_data["languages"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Edition saved."))
            return redirect(_edition_url(edition))
    return render(
        request,
        "materials/edition_form.html",
        {"form": form, "material": edition.material, "edition": edition},
    )


def _history(edition: Edition) -> list[str]:
    handed = Handover.objects.filter(class_material__edition=edition).count()
    sent = Dispatch.objects.filter(line__edition=edition).aggregate(n=Sum("quantity"))["n"] or 0
    lines = []
    if handed:
        lines.append(
            ngettext(
                "The %(n)s copy already handed out to participants stays on record.",
                "The %(n)s copies already handed out to participants stay on record.",
                handed,
            )
            % {"n": handed}
        )
    if sent:
        lines.append(
            ngettext(
                "The %(n)s printed copy already sent stays on record and in the totals.",
                "The %(n)s printed copies already sent stay on record and in the totals.",
                sent,
            )
            % {"n": sent}
        )
    return lines or [_("Nothing of it has been handed out or sent yet.")]


def _edition_consequences(edition: Edition) -> list[str]:
    files = edition.files.current().count()
    classes = ClassMaterial.objects.current().filter(edition=edition).count()
    consequences = [
        _(
            "“%(label)s” will leave the library, the Ministry package and the totals, and "
            "can no longer be attached to a class."
        )
        % {"label": edition.label},
    ]
    if files:
        consequences.append(
            ngettext(
                "Its %(n)s file can no longer be downloaded (except by the coordinator).",
                "Its %(n)s files can no longer be downloaded (except by the coordinator).",
                files,
            )
            % {"n": files}
        )
    if classes:
        consequences.append(
            ngettext(
                "It is attached to %(n)s class: no more copies will be handed out there.",
                "It is attached to %(n)s classes: no more copies will be handed out there.",
                classes,
            )
            % {"n": classes}
        )
    return [*consequences, *_history(edition)]


@coordinator_required
def edition_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(Edition.objects.select_related("material"), pk=pk)
    return _withdraw_page(
        request,
        edition,
        already=_("This edition is already withdrawn."),
        title=_("Withdraw the edition “%(label)s”?") % {"label": edition.label},
        subject=edition.material.title,
        consequences=_edition_consequences(edition),
        back=_edition_url(edition),
        act=lambda reason: services.edition_withdraw(
            actor=request.user, edition=edition, reason=reason
        ),
        done=_("Edition “%(label)s” withdrawn.") % {"label": edition.label},
    )


@coordinator_required
def edition_restore(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(Edition.objects.select_related("material"), pk=pk)
    return _restore_page(
        request,
        edition,
        not_withdrawn=_("This edition is not withdrawn."),
        title=_("Restore the edition “%(label)s”?") % {"label": edition.label},
        subject=edition.material.title,
        consequence=_(
            "It returns to the library, the Ministry package and the totals, with its "
            "files that were not withdrawn one by one."
        ),
        back=_edition_url(edition),
        act=lambda: services.edition_restore(actor=request.user, edition=edition),
        done=_("Edition “%(label)s” restored.") % {"label": edition.label},
    )


# ---------------------------------------------------------------------------- a file


@coordinator_required
def file_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(MaterialFile.objects.select_related("edition__material"), pk=pk)
    return _withdraw_page(
        request,
        row,
        already=_("This file is already withdrawn."),
        title=_("Withdraw the file “%(name)s”?") % {"name": row.original_name},
        subject=str(row.edition),
        consequences=[
            _(
                "The file will leave the library and the Ministry package, and can no "
                "longer be downloaded (except by the coordinator)."
            ),
            _("The edition and its other files stay."),
        ],
        back=_edition_url(row.edition),
        act=lambda reason: services.file_withdraw(actor=request.user, file=row, reason=reason),
        done=_("File “%(name)s” withdrawn.") % {"name": row.original_name},
    )


@coordinator_required
def file_restore(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(MaterialFile.objects.select_related("edition__material"), pk=pk)
    return _restore_page(
        request,
        row,
        not_withdrawn=_("This file is not withdrawn."),
        title=_("Restore the file “%(name)s”?") % {"name": row.original_name},
        subject=str(row.edition),
        consequence=_("It returns to the library and the Ministry package with its edition."),
        back=_edition_url(row.edition),
        act=lambda: services.file_restore(actor=request.user, file=row),
        done=_("File “%(name)s” restored.") % {"name": row.original_name},
    )


# ---------------------------------------------------------------------------- a class's material


@coordinator_required
def class_material_withdraw(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    cm = _class_material(request, code, pk)
    handed = cm.handovers.count()
    return _withdraw_page(
        request,
        cm,
        already=_("This material is already withdrawn from the class."),
        title=_("Withdraw this material from class %(code)s?") % {"code": code},
        subject=str(cm.edition),
        consequences=[
            _("No more copies will be handed out in this class, by list or by scanning."),
            ngettext(
                "The %(n)s hand-out already recorded stays on record, with its receipt list.",
                "The %(n)s hand-outs already recorded stay on record, with their receipt list.",
                handed,
            )
            % {"n": handed},
            _("The edition stays in the catalogue and the library."),
        ],
        back=reverse("materials:class-materials", args=[code]),
        act=lambda reason: services.class_material_withdraw(
            actor=request.user, class_material=cm, reason=reason
        ),
        done=_("Material withdrawn from class %(code)s.") % {"code": code},
    )


@coordinator_required
def class_material_restore(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    cm = _class_material(request, code, pk)
    return _restore_page(
        request,
        cm,
        not_withdrawn=_("This material is not withdrawn from the class."),
        title=_("Hand this material out in class %(code)s again?") % {"code": code},
        subject=str(cm.edition),
        consequence=_("It can be handed out again; the hand-outs already recorded are kept."),
        back=reverse("materials:class-materials", args=[code]),
        act=lambda: services.class_material_restore(actor=request.user, class_material=cm),
        done=_("Material restored in class %(code)s.") % {"code": code},
    )
