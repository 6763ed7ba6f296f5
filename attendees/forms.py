from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from attendees.assessment import AssessmentChange
from attendees.checkin import AttendanceChange
from attendees.models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    Ethnicity,
    Gender,
    NominationState,
    Participant,
)
from attendees.rules import vn_score
from attendees.validators import (
    display_phone,
    normalise_citizen_id,
    normalise_phone,
    validate_age,
    validate_person_name,
)
from courses import uploads
from courses.forms import DateInput
from courses.models import ParticipantCategory
from courses.vietnamese import clean_person_name, sorted_by_text


class ParticipantForm(forms.ModelForm):
    """A person's record. For anyone but the coordinator the sensitive fields (ethnicity,
    citizen ID) are write-only: they can be given or replaced, never read back."""

    class Meta:
        model = Participant
        fields = [
            "full_name",
            "gender",
            "date_of_birth",
            "ethnicity",
            "citizen_id",
            "phone",
            "position",
            "workplace",
            "on_state_payroll",
        ]
        widgets = {"date_of_birth": DateInput(), "gender": forms.RadioSelect}

    def __init__(self, *args, show_sensitive: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_sensitive = show_sensitive
        self.fields["date_of_birth"].required = True
        # Two radio buttons, none ticked: a blank "---------" third choice read as a
        # pre-selected answer.
        self.fields["gender"].choices = Gender.choices
        self.fields["ethnicity"].choices = [("", "---------")] + [
            (e.pk, e.name) for e in sorted_by_text(Ethnicity.objects.all(), lambda e: e.name)
        ]
        self.fields["citizen_id"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["phone"].widget.attrs.update(inputmode="tel", placeholder="09xx xxx xxx")
        if self.instance.phone:
            self.initial["phone"] = display_phone(self.instance.phone)
        if not show_sensitive and self.instance.pk:
            for name in ("citizen_id", "ethnicity"):
                if getattr(self.instance, name if name == "citizen_id" else "ethnicity_id"):
                    self.initial[name] = None
                    self.fields[name].help_text = _("Recorded (hidden). Leave empty to keep it.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("full_name", css_class="col-md-6"),
                Column("date_of_birth", css_class="col-md-3"),
                Column("gender", css_class="col-md-3"),
            ),
            Row(
                Column("ethnicity", css_class="col-md-4"),
                Column("citizen_id", css_class="col-md-4"),
                Column("phone", css_class="col-md-4"),
            ),
            Row(
                Column("position", css_class="col-md-6"), Column("workplace", css_class="col-md-6")
            ),
            "on_state_payroll",
        )

    def clean_full_name(self):
        # The import's rule and message (attendees.validators): what one refuses, so does
        # the other.
        name = clean_person_name(self.cleaned_data.get("full_name", ""))
        validate_person_name(name)
        return name

    def clean_date_of_birth(self):
        # The import's age rule and message (attendees.validators). An edit that keeps
        # the recorded birth date is not refused for the years that passed since.
        born = self.cleaned_data.get("date_of_birth")
        if born is not None and born != self.instance.date_of_birth:
            validate_age(born)
        return born

    def clean_citizen_id(self):
        value = self.cleaned_data.get("citizen_id", "")
        if not value and not self.show_sensitive and self.instance.pk:
            return self.instance.citizen_id  # hidden value kept
        return normalise_citizen_id(value)

    def clean_ethnicity(self):
        value = self.cleaned_data.get("ethnicity")
        if value is None and not self.show_sensitive and self.instance.pk:
            return self.instance.ethnicity
        return value

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone", ""))


class NominationForm(ParticipantForm):
    category = forms.ModelChoiceField(
        label=_("Participant category"), queryset=ParticipantCategory.objects.none()
    )
    reuse = forms.ModelChoiceField(
        queryset=Participant.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, categories, reuse_candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["category"].label_from_instance = lambda c: f"{c.code}) {c.name}"
        self.fields["reuse"].queryset = (
            reuse_candidates if reuse_candidates is not None else Participant.objects.none()
        )
        self.helper.layout.insert(0, "category")
        self.helper.layout.append("reuse")


class BulkDecisionForm(forms.Form):
    ACTIONS = [("approve", _("Approve")), ("return", _("Return to the unit"))]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": _("Tick at least one nomination.")}
    )
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, nominations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(n.pk, n.pk) for n in nominations]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "return" and not (cleaned.get("reason") or "").strip():
            raise ValidationError(
                {"reason": _("Say why the nominations are returned, so the unit can fix them.")}
            )
        return cleaned


class ReviewFilterForm(forms.Form):
    q = forms.CharField(label=_("Search name"), required=False)
    training_class = forms.ChoiceField(label=_("Class"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *NominationState.choices]
    )

    def __init__(self, *args, classes, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_class"].choices = [("", _("All classes"))] + [
            (k.code, k.code) for k in classes
        ]
        self.fields["unit"].choices = [("", _("All units"))] + [(u.pk, u.name) for u in units]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.code, f"{c.code})") for c in ParticipantCategory.objects.all()
        ]


class ImportUploadForm(forms.Form):
    MAX_BYTES = uploads.SPREADSHEET_MAX_BYTES
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx, .xls, .ods or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(
                _("The file is larger than 5 MB; split it or remove pictures from it.")
            )
        # What it would unpack to, checked before it is stored or parsed: a hostile file
        # is refused here and nothing is kept.
        upload.seek(0)
        try:
            uploads.inspect_spreadsheet(upload.read(self.MAX_BYTES + 1))
        except uploads.UploadRefused as exc:
            raise ValidationError(str(exc)) from exc
        finally:
            upload.seek(0)
        return upload


@dataclass
class AttendanceRow:
    enrollment: Enrollment
    attendance: Attendance | None
    status: forms.BoundField
    reason: forms.BoundField

    @property
    def errors(self) -> list[str]:
        return [*self.status.errors, *self.reason.errors]

    @property
    def shows_reason(self) -> bool:
        """On a phone the reason is folded away until it is needed (page script)."""
        return bool(self.reason.value() or self.errors) or self.status.value() == "excused"


class AttendanceListForm(forms.Form):
    """The attendance list of a session: one status control and an optional reason per
    enrolled person, each starting at what is recorded (a person without a mark starts at
    "not recorded", never at "present"). The values the page showed are sent back with it
    (show_hidden_initial), so that only the rows the user changed are saved: a row left
    alone is not written over by the page, even if a scan recorded it meanwhile."""

    def __init__(self, *args, rows: list[tuple[Enrollment, Attendance | None]], **kwargs):
        super().__init__(*args, **kwargs)
        names = []
        for enrollment, attendance in rows:
            name = enrollment.participant.full_name
            choices = list(AttendanceStatus.choices)
            if attendance is None:
                choices.insert(0, ("", _("— not recorded")))
            status, reason = f"status-{enrollment.pk}", f"reason-{enrollment.pk}"
            self.fields[status] = forms.ChoiceField(
                choices=choices,
                required=False,
                initial=attendance.status if attendance else "",
                show_hidden_initial=True,
                label=name,
                widget=forms.Select(
                    attrs={"class": "form-select form-select-sm", "aria-label": name}
                ),
            )
            self.fields[reason] = forms.CharField(
                max_length=300,
                required=False,
                initial=attendance.reason if attendance else "",
                show_hidden_initial=True,
                label=_("Reason"),
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control form-control-sm",
                        "placeholder": _("Reason"),
                        "aria-label": _("Reason: %(name)s") % {"name": name},
                    }
                ),
            )
            names.append((enrollment, attendance, status, reason))
        self.rows = [AttendanceRow(e, a, self[s], self[r]) for e, a, s, r in names]

    def changes(self) -> list[AttendanceChange]:
        """The rows the user changed on the page (call after is_valid())."""
        changed = set(self.changed_data)
        return [
            AttendanceChange(
                enrollment=row.enrollment,
                status=self.cleaned_data[row.status.name],
                reason=self.cleaned_data[row.reason.name],
            )
            for row in self.rows
            if row.status.name in changed or row.reason.name in changed
        ]

    def add_row_errors(self, error: ValidationError) -> None:
        """A refusal of attendance_correct_many, beside each refused person's row."""
        for key, messages in error.message_dict.items():
            self.add_error(f"status-{key}", messages)
            for name in (f"status-{key}", f"reason-{key}"):
                self.fields[name].widget.attrs["aria-describedby"] = f"errors-{key}"


def parse_score(text: str) -> Decimal | None:
    """'6,5' or '6.5' → Decimal('6.5'); '' → None. Raises ValidationError on other text."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("Type a score such as 6,5.")) from None


@dataclass
class AssessmentRow:
    enrollment: Enrollment
    assessment: forms.BoundField
    score: forms.BoundField

    @property
    def errors(self) -> list[str]:
        return [*self.assessment.errors, *self.score.errors]


class AssessmentListForm(forms.Form):
    """The final assessment of a class's learners: a result (passed / not passed) and a
    score per person, each starting at what is recorded. As on the attendance list, the
    values the page showed come back with it (show_hidden_initial), so only the rows the
    user changed are saved."""

    def __init__(self, *args, enrollments: list[Enrollment], **kwargs):
        super().__init__(*args, **kwargs)
        names = []
        for enrollment in enrollments:
            name = enrollment.participant.full_name
            result, score = f"assessment-{enrollment.pk}", f"score-{enrollment.pk}"
            self.fields[result] = forms.ChoiceField(
                choices=[
                    ("", _("— not assessed")),
                    *Enrollment._meta.get_field("assessment").choices,
                ],
                required=False,
                initial=enrollment.assessment,
                show_hidden_initial=True,
                label=name,
                widget=forms.Select(
                    attrs={"class": "form-select form-select-sm", "aria-label": name}
                ),
            )
            self.fields[score] = forms.CharField(
                max_length=5,
                required=False,
                initial=vn_score(enrollment.score),
                show_hidden_initial=True,
                label=_("Score"),
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control form-control-sm text-end",
                        "inputmode": "decimal",
                        "size": 4,
                        "placeholder": "0–10",
                        "aria-label": _("Score: %(name)s") % {"name": name},
                    }
                ),
            )
            names.append((enrollment, result, score))
        self.rows = [AssessmentRow(e, self[r], self[s]) for e, r, s in names]

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            name = row.score.name
            if name in cleaned:
                try:
                    cleaned[name] = parse_score(cleaned[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned

    def changes(self) -> list[AssessmentChange]:
        """The rows the user changed on the page (call after is_valid())."""
        changed = set(self.changed_data)
        return [
            AssessmentChange(
                enrollment=row.enrollment,
                assessment=self.cleaned_data[row.assessment.name],
                score=self.cleaned_data[row.score.name],
            )
            for row in self.rows
            if row.assessment.name in changed or row.score.name in changed
        ]

    def add_row_errors(self, error: ValidationError) -> None:
        """A refusal of assessment_record_many, beside each refused person's row."""
        for key, messages in error.message_dict.items():
            self.add_error(f"assessment-{key}", messages)
