from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import CODE_LENGTH, CertificateSettings, normalise_code
from courses.forms import DateInput
from courses.models import Organisation
from courses.vietnamese import sorted_by_text


class CertificateSettingsForm(forms.ModelForm):
    class Meta:
        model = CertificateSettings
        fields = [
            "excused_counts",
            "assessment_required",
            "assessment_min_score",
            "issuer",
            "parent_body",
            "issuing_body",
            "issue_place",
            "issued_on",
            "signer_title",
            "signer_name",
            "invitation_date",
            "invitation_recipients",
        ]
        widgets = {
            "issued_on": DateInput(),
            "invitation_date": DateInput(),
            "signer_title": forms.Textarea(attrs={"rows": 2}),
            "invitation_recipients": forms.Textarea(attrs={"rows": 3}),
            "assessment_min_score": forms.TextInput(attrs={"inputmode": "decimal", "size": 4}),
        }
        # "5,0" as a Vietnamese user types it.
        localized_fields = ["assessment_min_score"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        issuers = Organisation.objects.exclude(kind__in=["border_post", "cultural_house"])
        self.fields["issuer"].queryset = issuers
        self.fields["issuer"].choices = [("", "---------")] + [
            (o.pk, str(o)) for o in sorted_by_text(issuers, str)
        ]

    def clean_invitation_recipients(self):
        # One recipient a line, as printed; blank lines and Windows line ends dropped.
        lines = self.cleaned_data["invitation_recipients"].splitlines()
        return "\n".join(line.strip() for line in lines if line.strip())

    def clean_signer_title(self):
        lines = [line.strip() for line in self.cleaned_data["signer_title"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError(_("Enter the signer's title, e.g. GIÁM ĐỐC."))
        if len(lines) > 3:
            raise forms.ValidationError(_("At most three lines fit above the signature."))
        return "\n".join(lines)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the register and the audit log."),
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("The 16 characters printed under the QR code, e.g. 7KQ2-M9XD-4TRA-PW3E."),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError(
                _("A verification code has %(n)s letters and digits; check what you typed.")
                % {"n": CODE_LENGTH}
            )
        return code


class InvitationIssueForm(forms.Form):
    """The date the coordinator signs an invitation letter under (Decree 30: the date of
    issue), usually before the class starts — not the day it is printed."""

    issued_on = forms.DateField(
        label=_("Date of issue"), widget=DateInput(), input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
