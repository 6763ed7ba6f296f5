from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.forms import DateInput
from courses.models import Organisation, Session
from materials import distribution
from materials.models import ClassMaterial, Dispatch, Edition, Language, Material


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:
                # No file part at all: "required", never a green "0 files added".
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class MaterialForm(forms.ModelForm):
    class Meta:
        model = Material
        fields = ["title", "kind", "year", "visibility", "description"]
        widgets = {"title": forms.TextInput(), "description": forms.Textarea(attrs={"rows": 3})}


class EditionForm(forms.ModelForm):
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages"),
        queryset=Language.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("PDF, Word/OpenDocument, images, audio or video, as the kind allows."),
    )

    class Meta:
        model = Edition
        fields = ["label", "languages", "year", "printed_copies"]

    def clean_label(self):
        """Refused beside the field when another current edition of the material has this
        name, capitals and spaces aside (the service checks again, and so does the
        database)."""
        label = self.cleaned_data["label"]
        probe = Edition(pk=self.instance.pk, material_id=self.instance.material_id, label=label)
        probe.normalise_text()
        existing = Edition.objects.namesake(probe)
        if existing is not None:
            raise forms.ValidationError(
                _(
                    "This material already has the edition “%(label)s” (names are compared "
                    "without regard to capitals and spaces)."
                )
                % {"label": existing.label},
                code="duplicate",
            )
        return probe.label


class EditionEditForm(EditionForm):
    """Correcting an edition: the same fields without the files (added on the material's
    page, withdrawn one by one)."""

    files = None

    class Meta(EditionForm.Meta):
        pass


class WithdrawForm(forms.Form):
    """The reason for withdrawing a file, an edition or a class's material (audited)."""

    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: wrong file uploaded, or a duplicate of another edition."),
        error_messages={"required": _("Give the reason for the withdrawal.")},
    )


class FilesForm(forms.Form):
    files = MultipleFileField(label=_("Files"))


class ClassMaterialForm(forms.Form):
    edition = forms.ModelChoiceField(label=_("Edition"), queryset=Edition.objects.none())
    session = forms.ModelChoiceField(
        label=_("Session (optional)"), queryset=Session.objects.none(), required=False
    )

    def __init__(self, *args, training_class, **kwargs):
        super().__init__(*args, **kwargs)
        attached = (
            ClassMaterial.objects.current().filter(training_class=training_class).values("edition")
        )
        self.fields["edition"].queryset = (
            Edition.objects.current()
            .exclude(pk__in=attached)
            .select_related("material")
            .order_by("material__title", "label")
        )
        self.fields["session"].queryset = training_class.sessions.order_by("date", "start_time")


class HandoverUndoForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("For example: scanned for the wrong material, or the wrong badge."),
    )


class DispatchForm(forms.ModelForm):
    class Meta:
        model = Dispatch
        fields = ["dispatched_on", "quantity", "carrier", "note"]
        widgets = {"dispatched_on": DateInput()}


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    received_by = forms.CharField(label=_("Received by"), max_length=150)
    received_quantity = forms.IntegerField(label=_("Copies received"), min_value=0)
    scan = forms.FileField(
        label=_("Signed receipt (scan or photo)"),
        required=False,
        help_text=_("Optional: a PDF or a photo of the signed receipt."),
    )


# --- Distribution of printed copies -----------------------------------------------------

#: Far above any print run, far below the database's integer limit.
MAX_COPIES = 1_000_000

_NUMBER = {"class": "form-control form-control-sm text-end", "inputmode": "numeric"}


class PlanForm(forms.Form):
    """One quantity per recipient row. Only the fields present in the request count: a
    page that listed fewer recipients never removes the others."""

    def __init__(self, *args, rows: Iterable[distribution.PlanRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: dict[str, distribution.PlanRow] = {}
        for row in rows:
            name = f"r{row.recipient.pk}"
            self.rows[name] = row
            self.fields[name] = forms.IntegerField(
                label=row.recipient.name,
                required=False,
                min_value=0,
                max_value=MAX_COPIES,
                initial=row.planned or None,
                widget=forms.NumberInput(
                    attrs={**_NUMBER, "class": f"{_NUMBER['class']} max-w-7rem", "placeholder": "0"}
                ),
            )

    def _submitted(self):
        for name, row in self.rows.items():
            if name in self.data and name not in self.errors:
                yield name, row, self.cleaned_data.get(name) or 0

    def clean(self):
        for name, row, value in list(self._submitted()):
            if value < row.committed:
                self.add_error(
                    name,
                    _("%(sent)s copies were already sent; the plan cannot be lower.")
                    % {"sent": row.committed},
                )
        return self.cleaned_data

    def changes(self) -> dict[Organisation, int]:
        return {
            row.recipient: value for _name, row, value in self._submitted() if value != row.planned
        }


class QuickFillForm(forms.Form):
    copies = forms.IntegerField(
        label=_("Give"),
        min_value=0,
        max_value=MAX_COPIES,
        widget=forms.NumberInput(attrs={**_NUMBER, "class": f"{_NUMBER['class']} max-w-6rem"}),
    )
    target = forms.ChoiceField(
        label=_("copies to"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = distribution.quick_fill_choices(organisations)
