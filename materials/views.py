"""Catalogue pages for the department, the materials of a class (attach, hand out by list,
receipt list) and the Ministry package."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Prefetch, Q, Sum
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import coordinator_required, role_required, staff_reader_required
from attendees.exports import people_table
from attendees.models import Enrollment
from core.documents.tables import LIST_MAKER, Col, SignerName, table_pdf
from core.http import document_response
from core.pages import form_errors
from courses.models import TrainingClass
from courses.vietnamese import sorted_by_name, sorted_by_participant
from materials import services
from materials.export import ministry_package_zip
from materials.forms import (
    ClassMaterialForm,
    EditionForm,
    FilesForm,
    HandoverUndoForm,
    MaterialForm,
)
from materials.handout_views import may_hand_out
from materials.models import (
    ClassMaterial,
    Edition,
    Handover,
    Material,
    MaterialFile,
    MaterialKind,
)
from materials.stats import downloads_by_month, downloads_by_unit
from materials.uploads import keeps_client_file_names

# ---------------------------------------------------------------------------- catalogue


@staff_reader_required
def catalogue(request: HttpRequest) -> HttpResponse:
    materials = (
        Material.objects.annotate(n_downloads=Count("downloads", distinct=True))
        .prefetch_related(
            Prefetch(
                "editions",
                queryset=Edition.objects.prefetch_related("languages").annotate(
                    n_files=Count(
                        "files", filter=Q(files__withdrawn_at__isnull=True), distinct=True
                    ),
                ),
            )
        )
        .order_by("-year", "title")
    )
    kind = request.GET.get("kind", "")
    if kind in MaterialKind.values:
        materials = materials.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        materials = materials.search(query)
    years = sorted(set(Material.objects.values_list("year", flat=True)), reverse=True)
    return render(
        request,
        "materials/catalogue.html",
        {
            "materials": materials,
            "kinds": MaterialKind.choices,
            "kind": kind,
            "query": query,
            "years": years,
        },
    )


@coordinator_required
def material_create(request: HttpRequest) -> HttpResponse:
    form = MaterialForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        material = services.material_save(actor=request.user, material=form.save(commit=False))
        messages.success(request, _("Material saved. Now add its first edition and files."))
        return redirect("materials:edition-create", material.pk)
    return render(request, "materials/material_form.html", {"form": form, "material": None})


@coordinator_required
def material_edit(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(Material, pk=pk)
    form = MaterialForm(request.POST or None, instance=material)
    if request.method == "POST" and form.is_valid():
        services.material_save(actor=request.user, material=form.save(commit=False))
        messages.success(request, _("Material saved."))
        return redirect("materials:material-detail", material.pk)
    return render(request, "materials/material_form.html", {"form": form, "material": material})


@staff_reader_required
def material_detail(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(Material, pk=pk)
    # Withdrawn editions and files are shown too, marked, with their reason and a way
    # back: this is where the coordinator corrects the catalogue.
    editions = (
        material.editions.select_related("withdrawn_by")
        .prefetch_related(
            "languages",
            Prefetch("files", queryset=MaterialFile.objects.select_related("withdrawn_by")),
        )
        .annotate(
            planned=Sum("distribution__planned", default=0),
        )
        .order_by(F("withdrawn_at").asc(nulls_first=True), "year", "label")
    )
    return render(
        request,
        "materials/material_detail.html",
        {
            "material": material,
            "editions": editions,
            "files_form": FilesForm(),
            "by_month": downloads_by_month(material),
            "by_unit": downloads_by_unit(material),
            "total_downloads": material.downloads.count(),
        },
    )


@keeps_client_file_names
@coordinator_required
def edition_create(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_object_or_404(Material, pk=pk)
    form = EditionForm(
        request.POST or None,
        request.FILES or None,
        initial={"year": material.year},
        instance=Edition(material=material),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.edition_create(
                actor=request.user,
                edition=form.save(commit=False),
                languages=form.cleaned_data["languages"],
                uploads=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Edition saved."))
            return redirect("materials:material-detail", material.pk)
    return render(request, "materials/edition_form.html", {"form": form, "material": material})


@keeps_client_file_names
@coordinator_required
def files_add(request: HttpRequest, pk: int) -> HttpResponse:
    edition = get_object_or_404(Edition.objects.select_related("material"), pk=pk)
    # Bound on every POST: an empty one is "no file chosen", not silently nothing.
    form = FilesForm(request.POST, request.FILES) if request.method == "POST" else FilesForm()
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.files_add(
                actor=request.user, edition=edition, uploads=form.cleaned_data["files"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(n)s file(s) added to %(edition)s.")
                % {"n": len(stored), "edition": edition.label},
            )
    elif request.method == "POST":
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("materials:material-detail", edition.material_id)


@staff_reader_required
def ministry_package(request: HttpRequest) -> FileResponse:
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    # A temporary file, not memory: the package holds video. FileResponse closes it.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    ministry_package_zip(year, spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"tai-lieu-{year}.zip",
        content_type="application/zip",
    )


# ---------------------------------------------------------------------------- a class


def _class_for_user(request: HttpRequest, code: str) -> TrainingClass:
    return get_object_or_404(TrainingClass.objects.visible_to(request.user), code=code)


@role_required
def class_materials(request: HttpRequest, code: str) -> HttpResponse:
    klass = _class_for_user(request, code)
    form = None
    if request.user.is_coordinator:
        form = ClassMaterialForm(request.POST or None, training_class=klass)
        if request.method == "POST" and form.is_valid():
            try:
                services.class_material_add(
                    actor=request.user,
                    training_class=klass,
                    edition=form.cleaned_data["edition"],
                    session=form.cleaned_data["session"],
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Material attached to the class."))
                return redirect("materials:class-materials", klass.code)
    elif request.method == "POST":
        raise PermissionDenied(_("Only the department coordinator can do this."))
    attached = (
        ClassMaterial.objects.filter(training_class=klass)
        .select_related("edition__material", "session")
        .prefetch_related("edition__languages")
        .annotate(handed=Count("handovers"))
        .order_by("edition__material__title", "edition__label")
    )
    rows = attached.current()
    # Withdrawn ones stay listed below, as the record of what was handed out.
    withdrawn = attached.exclude(pk__in=rows.values("pk"))
    return render(
        request,
        "materials/class_materials.html",
        {
            "klass": klass,
            "rows": rows,
            "withdrawn": withdrawn,
            "form": form,
            "enrolled": Enrollment.objects.filter(training_class=klass).count(),
            "can_hand_out": may_hand_out(request.user, klass),
            "can_read_people": request.user.can_view_all_classes
            or may_hand_out(request.user, klass),
        },
    )


def _ids(values: list[str]) -> set[int]:
    """Primary keys from form values; anything that is not a plain number is ignored."""
    return {int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 18}


def _class_material(request: HttpRequest, code: str, pk: int) -> ClassMaterial:
    klass = _class_for_user(request, code)
    return get_object_or_404(
        ClassMaterial.objects.select_related("edition__material", "training_class"),
        pk=pk,
        training_class=klass,
    )


@role_required
def class_material_handovers(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The list to tick: who has received this material."""
    cm = _class_material(request, code, pk)
    can_edit = may_hand_out(request.user, cm.training_class)
    if not (can_edit or request.user.can_view_all_classes):
        raise PermissionDenied(_("Only the department and the class's trainers can see this list."))
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the department and the class's trainers can hand out."))
        # The page sends the ticks it shows and, hidden, the ones it showed when it was
        # opened: the difference is what this user changed, and only that is saved.
        ticked = _ids(request.POST.getlist("enrollment"))
        shown = _ids(request.POST.getlist("was_ticked"))
        try:
            result = services.handovers_update(
                actor=request.user,
                class_material=cm,
                ticked=ticked - shown,
                unticked=shown - ticked,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("materials:class-material", code, pk)
        messages.success(
            request,
            _("Saved: %(added)s added, %(removed)s removed.")
            % {"added": result.added, "removed": result.removed},
        )
        if result.kept_scanned:
            messages.warning(
                request,
                _(
                    "Kept: %(names)s received the material by badge scan. To remove a scanned "
                    "hand-over, use “Undo” on its row and give the reason."
                )
                % {"names": ", ".join(result.kept_scanned)},
            )
        return redirect("materials:class-material", code, pk)
    handed = {h.enrollment_id: h for h in Handover.objects.filter(class_material=cm)}
    enrollments = sorted_by_participant(
        Enrollment.objects.filter(training_class=cm.training_class).select_related(
            "participant", "organisation"
        )
    )
    return render(
        request,
        "materials/class_material.html",
        {
            "cm": cm,
            "klass": cm.training_class,
            "rows": [(e, handed.get(e.pk)) for e in enrollments],
            "handed_count": len(handed),
            "can_edit": can_edit and cm.withdrawn_since is None,
            "withdrawn_since": cm.withdrawn_since,
        },
    )


@role_required
def handover_undo(request: HttpRequest, code: str, pk: int, enrollment: int) -> HttpResponse:
    """Undo one hand-over, with a reason: the only way a scanned hand-over is removed."""
    cm = _class_material(request, code, pk)
    if not may_hand_out(request.user, cm.training_class):
        raise PermissionDenied(_("Only the department and the class's trainers can hand out."))
    handover = get_object_or_404(
        Handover.objects.select_related("enrollment__participant", "recorded_by"),
        class_material=cm,
        enrollment_id=enrollment,
    )
    form = HandoverUndoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_undo(
                actor=request.user,
                class_material=cm,
                enrollment=handover.enrollment,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("The hand-over to %(name)s was undone.")
                % {"name": handover.enrollment.participant.full_name},
            )
            return redirect("materials:class-material", code, pk)
    return render(
        request,
        "materials/handover_undo.html",
        {"cm": cm, "klass": cm.training_class, "handover": handover, "form": form},
    )


@role_required
def class_material_receipts(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The receipt list to print: participants sign when they take their copy."""
    cm = _class_material(request, code, pk)
    if not (may_hand_out(request.user, cm.training_class) or request.user.can_view_all_classes):
        raise PermissionDenied(_("Only the department and the class's trainers can see this list."))
    klass = cm.training_class
    handed = {h.enrollment_id: h for h in Handover.objects.filter(class_material=cm)}
    enrollments = sorted_by_name(
        Enrollment.objects.filter(training_class=klass).select_related(
            "participant", "organisation"
        ),
        name=lambda e: e.participant.full_name,
        born=lambda e: e.participant.date_of_birth,
    )
    columns = [
        Col("STT", "int", 0.5),
        Col("Họ và tên", "text", 2.4),
        Col("Đơn vị", "text", 2.6),
        Col("Ngày nhận", "date", 1.2),
        Col("Ký nhận", "text", 1.6),
    ]
    rows = [
        [
            i,
            # The birth year tells namesakes apart when they sign.
            SignerName(e.participant.full_name, e.participant.date_of_birth),
            e.organisation.name,
            timezone.localdate(handed[e.pk].handed_at) if e.pk in handed else None,
            "",
        ]
        for i, e in enumerate(enrollments, start=1)
    ]
    organiser = klass.organiser
    table = people_table(
        title="DANH SÁCH NHẬN TÀI LIỆU",
        subtitle=f"{cm.edition.material.title} — {cm.edition.label}\nLớp {klass.code}: {klass.title}",
        columns=columns,
        rows=rows,
        # Each learner signs on their row; whoever hands the copies out signs the list.
        signers=LIST_MAKER,
        sign_rows=True,
    )
    content = table_pdf(
        table,
        parent_body=organiser.parent.name if organiser.parent else "",
        issuing_body=organiser.name,
        place=organiser.place,
        on=timezone.localdate(),
    )
    return document_response(
        content, f"nhan-tai-lieu-{klass.code}-{cm.pk}.pdf", as_attachment=False
    )
