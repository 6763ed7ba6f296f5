from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Organisation,
    ParticipantCategory,
    Quota,
    Session,
    Trainer,
    TrainingClass,
)
from courses.vietnamese import collation_key, sorted_by_name, sorted_by_text


class DateInput(forms.DateInput):
    """A text field in dd/mm/yyyy: the browser's own date picker shows mm/dd/yyyy on the
    English-language phones many officials have, which is how 03/10 becomes 10 March."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", **(attrs or {})},
            format="%d/%m/%Y",
        )


class TimeInput(forms.TimeInput):
    def __init__(self, attrs=None):
        super().__init__(
            attrs={"placeholder": "hh:mm", "inputmode": "numeric", **(attrs or {})},
            format="%H:%M",
        )


def _form_helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class TrainingClassForm(forms.ModelForm):
    class Meta:
        model = TrainingClass
        fields = [
            "code",
            "title",
            "plan",
            "organiser",
            "venue",
            "start_date",
            "end_date",
            "capacity",
            "certificate_threshold",
            "late_grace_minutes",
            "is_practice",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "title": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = Organisation.objects.exclude(kind="ministry")
        self.fields["organiser"].choices = [("", "---------")] + [
            (o.pk, o.name) for o in sorted_by_text(self.fields["organiser"].queryset, str)
        ]
        self.helper = _form_helper()
        self.helper.layout = Layout(
            Row(Column("code", css_class="col-md-4"), Column("title", css_class="col-md-8")),
            Row(Column("plan", css_class="col-md-6"), Column("organiser", css_class="col-md-6")),
            "venue",
            Row(Column("start_date", css_class="col-6"), Column("end_date", css_class="col-6")),
            Row(
                Column("capacity", css_class="col-md-4"),
                Column("certificate_threshold", css_class="col-md-4"),
                Column("late_grace_minutes", css_class="col-md-4"),
            ),
            "is_practice",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_date"):
            self.instance.year = cleaned["start_date"].year
        return cleaned


class SessionForm(forms.ModelForm):
    trainers = forms.ModelMultipleChoiceField(
        label=_("Trainers"),
        queryset=Trainer.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Session
        fields = ["date", "start_time", "end_time", "topic", "venue", "trainers"]
        widgets = {"date": DateInput(), "start_time": TimeInput(), "end_time": TimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainers"].choices = [
            (t.pk, str(t)) for t in sorted_by_name(Trainer.objects.all())
        ]
        self.helper = _form_helper()
        self.helper.layout = Layout(
            Row(
                Column("date", css_class="col-12 col-md-4"),
                Column("start_time", css_class="col-6 col-md-4"),
                Column("end_time", css_class="col-6 col-md-4"),
            ),
            "topic",
            "venue",
            "trainers",
        )


class ClassStateForm(forms.Form):
    state = forms.ChoiceField(choices=TrainingClass._meta.get_field("state").choices)


class QuotaGridForm(forms.Form):
    """All quotas of a class on one screen: nominating units × categories a–d, the way
    the department drafts them in a spreadsheet today."""

    def __init__(self, *args, training_class: TrainingClass, **kwargs):
        super().__init__(*args, **kwargs)
        self.training_class = training_class
        self.categories = list(ParticipantCategory.objects.all())
        existing = {
            (q.organisation_id, q.category_id): q.seats
            for q in Quota.objects.filter(training_class=training_class)
        }
        # Units that existed when the class starts, plus any unit already holding seats.
        units = Organisation.objects.nominating().valid_on(training_class.start_date)
        held = Organisation.objects.filter(pk__in={org for org, _cat in existing})
        self.units = sorted_by_text(set(units) | set(held), str)
        # Nominating units the grid leaves out because they did not exist on the class's
        # start date: after the 2025 reform a class lists two units where a 2023 class
        # listed fifteen, and the coordinator must see why (and that a unit can be added).
        self.units_not_valid = sorted(
            Organisation.objects.nominating()
            .exclude(pk__in=[u.pk for u in self.units])
            .exclude(pk__in=Organisation.objects.valid_on(training_class.start_date)),
            key=lambda o: (o.valid_to or datetime.date.max, collation_key(o.name)),
        )
        self.rows = []
        for unit in self.units:
            cells = []
            for category in self.categories:
                name = f"q_{unit.pk}_{category.pk}"
                label = f"{unit.name} — {category.code})"
                self.fields[name] = forms.IntegerField(
                    label=label,
                    min_value=0,
                    max_value=training_class.capacity,
                    required=False,
                    initial=existing.get((unit.pk, category.pk), 0),
                    widget=forms.NumberInput(
                        attrs={
                            "class": "form-control form-control-sm text-end",
                            "inputmode": "numeric",
                            # The grid shows no <label>: the unit and category name it.
                            "aria-label": label,
                        }
                    ),
                )
                cells.append(self[name])
            self.rows.append((unit, cells))

    def seats(self) -> dict[tuple[int, int], int]:
        return {
            (unit.pk, category.pk): self.cleaned_data.get(f"q_{unit.pk}_{category.pk}") or 0
            for unit in self.units
            for category in self.categories
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            total = sum(self.seats().values())
            if total > self.training_class.capacity:
                raise forms.ValidationError(
                    _(
                        "The quotas add up to %(total)s seats, more than the class capacity of "
                        "%(capacity)s. Lower some quotas or raise the capacity first."
                    ),
                    params={"total": total, "capacity": self.training_class.capacity},
                )
        return cleaned


class ReopenForm(forms.Form):
    """The reason the coordinator gives for reopening a session or a class (audited)."""

    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log."),
        error_messages={"required": _("Give the reason for reopening.")},
    )
