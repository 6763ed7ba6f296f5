"""Forms of the reports app: the allowance rates of a class (the payment list) and the
results report's year and subject over the officer's fields of every report (number,
date, recipients, signer: core.documents.forms)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from core.documents.forms import DocumentForm
from core.documents.wording import vn_int
from reports import payments as pay
from reports.models import ClassAllowance
from reports.services import RATE_FIELDS

MAX_AMOUNT = 100_000_000  # one rate above 100 million đồng is a typo (a zero too many)


class AmountInput(forms.TextInput):
    """A whole number of đồng shown "1.250.000"; a phone shows the numeric keypad."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int):
            return vn_int(value)
        return super().format_value(value)


class AmountField(forms.Field):
    """Accepts "1.250.000", "1 250 000", "1250000" or "150.000 đ"; never negative."""

    widget = AmountInput
    default_error_messages = {
        "invalid": gettext_lazy("Enter a whole number of đồng, e.g. 150.000."),
        "negative": gettext_lazy("An amount cannot be negative."),
        "too_large": gettext_lazy("At most %(limit)s đồng: check the number of zeros."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        amount = pay.parse_amount(str(value))
        if amount is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return amount

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if value < 0:
            raise ValidationError(self.error_messages["negative"], code="min_value")
        if value > MAX_AMOUNT:
            raise ValidationError(
                self.error_messages["too_large"],
                code="max_value",
                params={"limit": vn_int(MAX_AMOUNT)},
            )


def _label(name: str) -> str:
    return capfirst(ClassAllowance._meta.get_field(name).verbose_name)


class AllowanceForm(forms.ModelForm):
    meal_per_day = AmountField(label=_label("meal_per_day"))
    lodging_per_night = AmountField(label=_label("lodging_per_night"))
    travel_per_person = AmountField(label=_label("travel_per_person"))

    class Meta:
        model = ClassAllowance
        fields = RATE_FIELDS


class ResultsForm(DocumentForm):
    """The officer's fields of every report (core.documents.forms), and the results
    report's year and subject."""

    field_order = ["year", "number", "on", "subject", "recipients", "signer_title"]

    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    subject = forms.CharField(
        label=gettext_lazy("Subject (the line under “BÁO CÁO”)"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("“năm” and the year are added at the end if they are missing."),
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]

    def clean_subject(self) -> str:
        return self._text("subject")
