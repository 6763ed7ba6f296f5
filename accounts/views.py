"""The coordinator's accounts page: unit officers, trainers and viewers (issue 15 item 6).

Thin views: AccountForm checks the fields, accounts.services decides what may be done to
which account and writes it with its audit entry."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import services
from accounts.decorators import coordinator_required
from accounts.forms import AccountFilterForm, AccountForm
from accounts.models import User
from courses.vietnamese import sorted_by_name


def _get_managed_account(request: HttpRequest, pk: int) -> User:
    """The account, if this page may change it; 403 for the coordinator's own account,
    other coordinators, staff and superusers."""
    account = get_object_or_404(User, pk=pk)
    if account.pk == request.user.pk:
        raise PermissionDenied(_("You cannot change your own account here."))
    if not services.is_managed(account):
        raise PermissionDenied(
            _("Coordinator and administrator accounts are managed by the system administrator.")
        )
    return account


@coordinator_required
def account_list(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET or None)
    accounts = User.objects.select_related("organisation", "trainer")
    if form.is_valid():
        if form.cleaned_data["role"]:
            accounts = accounts.filter(role=form.cleaned_data["role"])
        if form.cleaned_data["unit"]:
            accounts = accounts.filter(organisation=form.cleaned_data["unit"])
        if form.cleaned_data["active"]:
            accounts = accounts.filter(is_active=form.cleaned_data["active"] == "1")
    rows = sorted_by_name(accounts, name=lambda u: u.full_name or u.username, born=lambda u: None)
    for row in rows:
        row.managed = services.is_managed(row) and row.pk != request.user.pk
    return render(request, "accounts/account_list.html", {"form": form, "accounts": rows})


def _created_page(request: HttpRequest, account: User, password: str) -> HttpResponse:
    """The one time the password is shown: in the answer to the POST, never stored."""
    return render(
        request,
        "accounts/account_password.html",
        {"account": account, "password": password, "login_url": request.build_absolute_uri("/")},
    )


@never_cache
@coordinator_required
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account, password = services.account_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                organisation=data["organisation"],
                trainer=data["trainer"],
                password=form.new_password(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Account %(username)s created.") % {"username": account.username}
            )
            if data["password"]:
                return redirect("accounts:list")
            return _created_page(request, account, password)
    return render(request, "accounts/account_form.html", {"form": form, "account": None})


@never_cache
@coordinator_required
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_managed_account(request, pk)
    form = AccountForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = form.new_password()
        try:
            account = services.account_update(
                actor=request.user,
                user=account,
                full_name=data["full_name"],
                email=data["email"],
                role=data["role"],
                organisation=data["organisation"],
                trainer=data["trainer"],
                password=password,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Account %(username)s saved.") % {"username": account.username}
            )
            if data.get("generate_password"):
                return _created_page(request, account, password)
            return redirect("accounts:list")
    return render(request, "accounts/account_form.html", {"form": form, "account": account})


def _set_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    account = _get_managed_account(request, pk)
    back = reverse("accounts:list")
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        services.account_set_active(actor=request.user, user=account, active=active)
        messages.success(
            request,
            (_("Account %(username)s reopened.") if active else _("Account %(username)s disabled."))
            % {"username": account.username},
        )
        return redirect(back)
    subject = f"{account} ({account.username}) · {account.get_role_display()}"
    if active:
        context = {
            "title": _("Reopen this account?"),
            "consequences": [
                _("%(name)s will be able to log in again with their current password.")
                % {"name": account},
            ],
            "button": _("Reopen the account"),
            "danger": False,
        }
    else:
        context = {
            "title": _("Disable this account?"),
            "consequences": [
                _(
                    "%(name)s will no longer be able to log in; if logged in now, they are logged out."
                )
                % {"name": account},
                _(
                    "Nothing is deleted: the nominations, attendance and history the account "
                    "recorded are kept. You can reopen it at any time."
                ),
            ],
            "button": _("Disable the account"),
            "danger": True,
        }
    if account.is_active == active:
        context["refusal"] = (
            _("This account is already active.")
            if active
            else _("This account is already disabled.")
        )
    return render(request, "confirm.html", {**context, "subject": subject, "cancel_url": back})


@coordinator_required
def account_disable(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=False)


@coordinator_required
def account_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, active=True)
