"""The one form of what only the officer knows of a report the app writes in the Decree
30/2020 layout: its number, date, recipients ("Nơi nhận") and signer. The results report's
form (reports/forms.py) adds the year and the subject; the evaluation report's statistics
pages (evaluation/report_views.py) use it as it is. Both send it by GET, so a preview and
the export links carry the same values."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.forms import DateInput
from courses.vietnamese import nfc

# The signer's title: the director, or a deputy signing for the director ("KT." = "ký
# thay"), the second line being the deputy's own title.
SIGNER_TITLES = ("GIÁM ĐỐC", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")


class DocumentForm(forms.Form):
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

    @staticmethod
    def defaults(recipients: str) -> dict[str, str]:
        """What the form proposes (as typed values): today, the director signing, and the
        report's usual recipients."""
        return {
            "number": "",
            "on": timezone.localdate().strftime("%d/%m/%Y"),
            "recipients": recipients,
            "signer_title": SIGNER_TITLES[0],
            "signer_name": "",
        }

    def problems(self) -> str:
        """The errors on one line, each after its field's label (a 400's plain text)."""
        return "; ".join(
            f"{self.fields[name].label}: {' '.join(errors)}" for name, errors in self.errors.items()
        )

    def _text(self, name: str, *, lines: bool = False) -> str:
        value = nfc(self.cleaned_data.get(name) or "")
        if lines:
            return "\n".join(" ".join(line.split()) for line in value.splitlines() if line.strip())
        return " ".join(value.split())

    def clean_number(self) -> str:
        return self._text("number")

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
