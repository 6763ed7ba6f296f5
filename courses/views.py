from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import coordinator_required, role_required
from core.pages import confirm_with_reason
from courses import home, services, signals
from courses.forms import (
    ClassStateForm,
    QuotaGridForm,
    ReopenForm,
    SessionForm,
    TrainingClassForm,
)
from courses.models import (
    STATE_TRANSITIONS,
    ClassState,
    ParticipantCategory,
    Plan,
    Quota,
    Session,
    TrainingClass,
)
from courses.vietnamese import sorted_by_name, sorted_by_text

# --- Access helpers: the only place that decides who may see or change what. ------------


def _get_class_for_user(request: HttpRequest, code: str) -> TrainingClass:
    """The class if this user may see it; 404 otherwise (not 403: whether a class
    exists is none of an outsider's business)."""
    return get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)


def _get_session_for_coordinator(request: HttpRequest, pk: int) -> Session:
    return get_object_or_404(Session.objects.select_related("training_class"), pk=pk)


# --- Pages -----------------------------------------------------------------------------


DASHBOARD_PAGE_SIZE = 24


@role_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The classes of one year (the latest by default), a page at a time: a province runs
    a handful a year, the Ministry's view holds hundreds."""
    now = timezone.localtime()
    user = request.user
    visible = TrainingClass.objects.visible_to(user)
    years = sorted(set(visible.values_list("year", flat=True)), reverse=True)
    # The role's next action, and the year it happens in: a trainer's phone opens on the
    # year of today's or the next session, a reader's on the latest year with figures.
    if user.is_nominator:
        next_action = home.panel("nominator", user)
        default_year = years[0] if years else now.year
    elif user.is_trainer:
        next_action = home.trainer_home(user, now)
        default_year = next_action["year"] or (years[0] if years else now.year)
    elif user.is_coordinator:
        # The coordinator plans the coming year: a class being planned is their data.
        next_action = home.panel("coordinator", user, now)
        default_year = years[0] if years else now.year
    else:
        next_action = None
        default_year = home.panel("latest_year_with_data", user) or now.year
    try:
        year = int(request.GET.get("year") or default_year)
    except ValueError:
        year = default_year
    if user.is_viewer:
        next_action = home.panel("viewer", user, year)
    upcoming = Session.objects.filter(training_class=OuterRef("pk"), date__gte=now.date()).order_by(
        "date", "start_time"
    )
    classes = (
        visible.filter(year=year)
        .with_seats()
        .select_related("venue")
        .annotate(
            next_date=Subquery(upcoming.values("date")[:1]),
            next_start=Subquery(upcoming.values("start_time")[:1]),
            has_sessions=Exists(Session.objects.filter(training_class=OuterRef("pk"))),
        )
        .order_by("start_date", "code")
    )
    # The year's figures are the plan's: a practice class is listed but not counted.
    official = classes.official()
    totals = official.aggregate(classes=Count("pk"), capacity=Sum("capacity", default=0))
    totals["allocated"] = Quota.objects.filter(training_class__in=official.values("pk")).aggregate(
        n=Sum("seats", default=0)
    )["n"]
    totals["practice"] = classes.count() - totals["classes"]
    page = Paginator(classes, DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    own_seats: dict[int, int] = {}
    if request.user.is_nominator:
        mine = Quota.objects.visible_to(request.user).filter(
            training_class__in=[k.pk for k in page]
        )
        for quota in mine:
            own_seats[quota.training_class_id] = (
                own_seats.get(quota.training_class_id, 0) + quota.seats
            )
    rows = [
        {
            "klass": klass,
            "fill_percent": round(100 * klass.allocated_seats / klass.capacity),
            "own_seats": own_seats.get(klass.pk),
        }
        for klass in page
    ]
    return render(
        request,
        "courses/dashboard.html",
        {
            "rows": rows,
            "page": page,
            "totals": totals,
            "years": years,
            "year": year,
            "next_action": next_action,
        },
    )


@role_required
def class_detail(request: HttpRequest, code: str) -> HttpResponse:
    klass = _get_class_for_user(request, code)
    sessions = list(klass.sessions.select_related("venue").prefetch_related("trainers"))
    for session in sessions:
        session.trainer_list = sorted_by_name(session.trainers.all())
    categories = list(ParticipantCategory.objects.all())
    quotas = (
        Quota.objects.visible_to(request.user)
        .filter(training_class=klass)
        .select_related("organisation")
    )
    grid: dict = defaultdict(dict)
    for quota in quotas:
        grid[quota.organisation][quota.category_id] = quota.seats
    quota_rows = [
        (unit, [grid[unit].get(c.pk, 0) for c in categories], sum(grid[unit].values()))
        for unit in sorted_by_text(grid, str)
    ]
    column_totals = [sum(row[1][i] for row in quota_rows) for i in range(len(categories))]
    return render(
        request,
        "courses/class_detail.html",
        {
            "klass": klass,
            "sessions": sessions,
            "trainers": sorted_by_name(klass.trainers()),
            "categories": categories,
            "quota_rows": quota_rows,
            "column_totals": column_totals,
            "quota_total": sum(column_totals),
            "allocated": klass.allocated_seats(),
            "next_states": [(s, ClassState(s).label) for s in STATE_TRANSITIONS[klass.state]],
            "can_manage": request.user.is_coordinator,
        },
    )


@coordinator_required
def class_create(request: HttpRequest) -> HttpResponse:
    latest_plan = Plan.objects.order_by("-year", "-pk").first()
    form = TrainingClassForm(
        request.POST or None,
        initial={"plan": latest_plan, "organiser": request.user.organisation},
    )
    if request.method == "POST" and form.is_valid():
        klass = form.save(commit=False)
        try:
            services.training_class_save(actor=request.user, training_class=klass)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Class %(code)s created.") % {"code": klass.code})
            return redirect("courses:class-detail", code=klass.code)
    return render(request, "courses/class_form.html", {"form": form})


@coordinator_required
def class_edit(request: HttpRequest, code: str) -> HttpResponse:
    klass = _get_class_for_user(request, code)
    form = TrainingClassForm(request.POST or None, instance=klass)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_class_save(actor=request.user, training_class=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Class %(code)s saved.") % {"code": klass.code})
            return redirect("courses:class-detail", code=klass.code)
    return render(request, "courses/class_form.html", {"form": form, "klass": klass})


@coordinator_required
@require_POST
def class_change_state(request: HttpRequest, code: str) -> HttpResponse:
    klass = _get_class_for_user(request, code)
    form = ClassStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown state."))
    elif form.cleaned_data["state"] == ClassState.CLOSED:
        # Closing ends every open session and marks the missing absent: only through the
        # page that says so and asks (class_close). This POST changes nothing.
        return redirect("courses:class-close", code=klass.code)
    else:
        try:
            services.training_class_change_state(
                actor=request.user, training_class=klass, state=form.cleaned_data["state"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The class is now “%(state)s”.") % {"state": klass.get_state_display()}
            )
    return redirect("courses:class-detail", code=klass.code)


@coordinator_required
def class_close(request: HttpRequest, code: str) -> HttpResponse:
    """Closing a class ends its open sessions (the missing marked absent) and makes its
    attendance final for certificates: GET says what will happen and asks, a POST with
    that confirmation closes."""
    klass = _get_class_for_user(request, code)
    detail = reverse("courses:class-detail", args=[klass.code])
    if not klass.can_change_state_to(ClassState.CLOSED):
        messages.info(
            request,
            _("A class in state “%(current)s” cannot be closed.")
            % {"current": klass.get_state_display()},
        )
        return redirect(detail)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return redirect("courses:class-close", code=klass.code)
        try:
            services.training_class_change_state(
                actor=request.user, training_class=klass, state=ClassState.CLOSED
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The class is now “%(state)s”.") % {"state": klass.get_state_display()}
            )
        return redirect(detail)
    # What closing will do, in the words of the apps that act on it (class_closing).
    sessions = list(klass.sessions.filter(closed_at__isnull=True).order_by("date", "start_time"))
    consequences = [
        line
        for _receiver, lines in signals.class_close_preview.send(
            sender=TrainingClass, training_class=klass, sessions=sessions
        )
        for line in lines
    ]
    consequences.append(
        _(
            "Certificates can then be issued. Until they are, the coordinator can reopen "
            "the class, with a reason."
        )
    )
    return render(
        request,
        "confirm.html",
        {
            "title": _("Close class %(code)s?") % {"code": klass.code},
            "subject": klass.title,
            "consequences": consequences,
            "button": _("Close the class"),
            "danger": True,
            "cancel_url": detail,
        },
    )


@coordinator_required
def class_reopen(request: HttpRequest, code: str) -> HttpResponse:
    """The coordinator reopens a closed class, with a reason (audited), until
    certificates of the class are issued."""
    klass = _get_class_for_user(request, code)
    detail = reverse("courses:class-detail", args=[klass.code])
    if klass.state != ClassState.CLOSED:
        messages.info(request, _("This class is not closed."))
        return redirect(detail)
    return confirm_with_reason(
        request,
        form_class=ReopenForm,
        act=lambda reason: services.training_class_reopen(
            actor=request.user, training_class=klass, reason=reason
        ),
        done=lambda n: (
            _("Class %(code)s reopened: it is running again; %(n)s sessions reopened.")
            % {"code": klass.code, "n": n}
        ),
        back=detail,
        page={
            "title": _("Reopen class %(code)s?") % {"code": klass.code},
            "subject": klass.title,
            "refusal": services.reopen_refusal(klass),
            "consequences": [
                _("The class will be “%(state)s” again.") % {"state": ClassState.RUNNING.label},
                _(
                    "The sessions its closing ended are reopened, and the absences that "
                    "closing recorded are cleared; sessions ended one by one stay ended."
                ),
            ],
            "button": _("Reopen the class"),
            "danger": False,
        },
    )


@coordinator_required
def session_create(request: HttpRequest, code: str) -> HttpResponse:
    klass = _get_class_for_user(request, code)
    # Most sessions take place where the class does.
    form = SessionForm(
        request.POST or None, instance=Session(training_class=klass, venue=klass.venue)
    )
    return _session_form(request, form, klass, created=True)


@coordinator_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_coordinator(request, pk)
    form = SessionForm(request.POST or None, instance=session)
    return _session_form(request, form, session.training_class, created=False)


def _session_form(
    request, form: SessionForm, klass: TrainingClass, *, created: bool
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(
                actor=request.user,
                session=form.save(commit=False),
                trainers=list(form.cleaned_data["trainers"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Session added.") if created else _("Session saved."))
            return redirect("courses:class-detail", code=klass.code)
    return render(
        request, "courses/session_form.html", {"form": form, "klass": klass, "created": created}
    )


@coordinator_required
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Deleting a session deletes its attendance and scans with it: GET says how many and
    asks, only a POST with that confirmation deletes."""
    session = _get_session_for_coordinator(request, pk)
    code = session.training_class.code
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            return redirect("courses:session-delete", pk=session.pk)
        services.session_delete(actor=request.user, session=session)
        messages.success(request, _("Session deleted."))
        return redirect("courses:class-detail", code=code)
    rows = session.attendances.count()
    scans = session.scan_events.count()
    return render(
        request,
        "confirm.html",
        {
            "title": _("Delete this session?"),
            "subject": f"{code} · {session}",
            "consequences": [
                ngettext(
                    "%(n)s attendance record will be deleted with it.",
                    "%(n)s attendance records will be deleted with it.",
                    rows,
                )
                % {"n": rows}
                if rows
                else _("No attendance has been recorded for it."),
                *(
                    [
                        ngettext(
                            "%(n)s scan will be deleted with it.",
                            "%(n)s scans will be deleted with it.",
                            scans,
                        )
                        % {"n": scans}
                    ]
                    if scans
                    else []
                ),
            ],
            "button": _("Delete the session"),
            "danger": True,
            "cancel_url": reverse("courses:session-edit", args=[session.pk]),
        },
    )


@coordinator_required
def quota_edit(request: HttpRequest, code: str) -> HttpResponse:
    klass = _get_class_for_user(request, code)
    form = QuotaGridForm(request.POST or None, training_class=klass)
    if request.method == "POST" and form.is_valid():
        try:
            services.quota_grid_save(actor=request.user, training_class=klass, seats=form.seats())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Quotas saved."))
            return redirect("courses:class-detail", code=klass.code)
    # The admin's add page of a unit, for those it lets in (the coordinators' group).
    add_unit_url = None
    if request.user.is_staff and request.user.has_perm("courses.add_organisation"):
        add_unit_url = reverse("admin:courses_organisation_add") + "?can_nominate=on"
    return render(
        request,
        "courses/quota_form.html",
        {
            "form": form,
            "klass": klass,
            "categories": form.categories,
            "add_unit_url": add_unit_url,
        },
    )
