"""Forms of the reports app: the allowance rates of a class (the payment list) and what
only the officer knows of the results report (number, date, recipients, signer)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents.wording import vn_int
from courses.forms import DateInput
from courses.vietnamese import nfc
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


class ResultsForm(forms.Form):
    """Sent by GET, so the preview and the export links carry the same values."""

    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    number = forms.CharField(
        label=gettext_lazy("Document number"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "125/BC-STTTT"}),
        help_text=gettext_lazy(
            "For example 125/BC-STTTT. Empty, or only “/BC-STTTT”: room is left for the"
            " clerk to write the number in."
        ),
    )
    on = forms.DateField(label=gettext_lazy("Date of the report"), widget=DateInput())
    subject = forms.CharField(
        label=gettext_lazy("Subject (the line under “BÁO CÁO”)"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("“năm” and the year are added at the end if they are missing."),
    )
    recipients = forms.CharField(
        label=gettext_lazy("Recipients (“Nơi nhận”)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line."),
    )
    signer_title = forms.CharField(
        label=gettext_lazy("Signer's title"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "One or two lines, printed in capitals: “GIÁM ĐỐC”, or “KT. GIÁM ĐỐC” then"
            " “PHÓ GIÁM ĐỐC” when a deputy signs."
        ),
    )
    signer_name = forms.CharField(
        label=gettext_lazy("Signer's name"), max_length=150, required=False
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]

    def _text(self, name: str, *, lines: bool = False) -> str:
        value = nfc(self.cleaned_data.get(name) or "")
        if lines:
            return "\n".join(" ".join(line.split()) for line in value.splitlines() if line.strip())
        return " ".join(value.split())

    def clean_number(self) -> str:
        return self._text("number")

    def clean_subject(self) -> str:
        return self._text("subject")

    def clean_recipients(self) -> str:
        value = self._text("recipients", lines=True)
        if len(value.splitlines()) > 30:
            raise forms.ValidationError(_("At most 30 recipients."))
        return value

    def clean_signer_title(self) -> str:
        value = self._text("signer_title", lines=True)
        if len(value.splitlines()) > 3:
            raise forms.ValidationError(_("At most three lines."))
        return value

    def clean_signer_name(self) -> str:
        return self._text("signer_name")
