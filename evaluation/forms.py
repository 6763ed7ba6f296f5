"""Forms of the evaluation pages: templates and their sections, opening a class's
evaluation, printing paper forms, and the answer grid shared by the participant's page
and the staff's data entry of paper forms."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.documents.forms import DocumentForm
from evaluation.models import Evaluation, SurveyTemplate, TemplateSection
from evaluation.rules import MAX_UNANSWERED_PERCENT, SCALE, SCALE_WORDS
from evaluation.services import MAX_COMMENT_LENGTH, MAX_PAPER_FORMS, MAX_REASON_LENGTH


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class TemplateForm(forms.ModelForm):
    class Meta:
        model = SurveyTemplate
        fields = ["name", "description", "is_default"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class SectionForm(forms.ModelForm):
    """A section and its indicators, one per line, in the order they are asked."""

    indicators = forms.CharField(
        label=_("Indicators"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One indicator per line, in the order they are asked."),
    )

    class Meta:
        model = TemplateSection
        fields = ["position", "kind", "title", "comment_prompt"]
        labels = {"position": _("Order")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["indicators"] = "\n".join(
                self.instance.indicators.values_list("text", flat=True)
            )
        self.helper = _helper()

    def indicator_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["indicators"].splitlines()]


class OpenForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Survey template"),
        queryset=SurveyTemplate.objects.all(),
        empty_label=None,
        help_text=_(
            "Its sections and indicators are copied into the class, with the lecturer "
            "section once per trainer of the class; editing the template later does not "
            "change this copy."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = SurveyTemplate.objects.filter(is_default=True).first()
        if default is not None:
            self.fields["template"].initial = default.pk
        self.helper = _helper()


class PaperReserveForm(forms.Form):
    count = forms.IntegerField(
        label=_("Number of paper forms"),
        min_value=1,
        max_value=MAX_PAPER_FORMS,
        help_text=_("Each form gets its own number, shared with the online forms."),
        widget=forms.NumberInput(attrs={"class": "max-w-7rem"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django's own bound messages read "Đảm bảo giá trị này lớn hơn hoặc bằng với 1 ."
        # (sic): one message naming the field and both bounds, formatted here because the
        # validators' params know only one bound.
        out_of_range = gettext(
            "The number of paper forms to print is between 1 and %(max)s at a time."
        ) % {"max": MAX_PAPER_FORMS}
        self.fields["count"].error_messages.update(
            {"min_value": out_of_range, "max_value": out_of_range}
        )
        self.helper = _helper()


# --- The answer grid ---------------------------------------------------------------------

SCALE_CHOICES = [(str(v), SCALE_WORDS[v]) for v in SCALE]
# Typed in the quick field for an unanswered indicator.
BLANK_MARKS = "0-"
# Typed between groups to keep one's place; not an answer.
SEPARATORS = " /.,;|\t"


def parse_quick(text: str, count: int) -> list[int | None]:
    """ "45443 5544…" as answers: a digit 1–5 per indicator in order, 0 or "-" for one left
    unanswered; spaces and "/" only separate groups (a space is not a blank, so grouping
    by section never shifts the answers). Raises ValidationError unless exactly ``count``."""
    answers: list[int | None] = []
    for char in text:
        if char in SEPARATORS or char in "\r\n":
            continue
        if char in BLANK_MARKS:
            answers.append(None)
        elif char.isdigit() and int(char) in SCALE:
            answers.append(int(char))
        else:
            raise forms.ValidationError(
                _("“%(char)s” is not an answer: type 1 to 5, or 0 for one left blank.")
                % {"char": char}
            )
    if len(answers) != count:
        raise forms.ValidationError(
            _("%(typed)s answers typed; this form has %(count)s indicators.")
            % {"typed": len(answers), "count": count}
        )
    return answers


class AnswerForm(forms.Form):
    """One radio group 1–5 per indicator of the class's evaluation (none required) and
    one comment box per section. ``sections()`` gives the template the grid in order."""

    def __init__(self, *args, evaluation: Evaluation, quick: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.evaluation = evaluation
        self._sections = list(evaluation.sections.prefetch_related("indicators"))
        self.indicator_ids: list[int] = []
        for section in self._sections:
            for indicator in section.indicators.all():
                self.indicator_ids.append(indicator.pk)
                self.fields[f"i{indicator.pk}"] = forms.TypedChoiceField(
                    label=indicator.text,
                    choices=SCALE_CHOICES,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                )
            self.fields[f"c{section.pk}"] = forms.CharField(
                label=section.comment_prompt or _("Other comments"),
                required=False,
                max_length=MAX_COMMENT_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if quick:
            self.fields["quick"] = forms.CharField(
                label=_("Quick entry"),
                required=False,
                help_text=_(
                    "Optional: type the answers in order, one digit per indicator (0 for one "
                    "left blank; spaces between groups are ignored). When filled in, it "
                    "replaces the choices ticked below."
                ),
                widget=forms.TextInput(
                    attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
                ),
            )

    @staticmethod
    def initial_for(response) -> dict:
        """The form filled with a saved form's answers (a participant correcting theirs)."""
        if response is None:
            return {}
        initial = {f"i{a.indicator_id}": str(a.value) for a in response.answers.all()}
        initial.update({f"c{c.section_id}": c.text for c in response.comments.all()})
        return initial

    def clean(self):
        cleaned = super().clean()
        quick = (cleaned.get("quick") or "").strip()
        if quick:
            try:
                values = parse_quick(quick, len(self.indicator_ids))
            except forms.ValidationError as error:
                self.add_error("quick", error)
            else:
                for pk, value in zip(self.indicator_ids, values, strict=True):
                    cleaned[f"i{pk}"] = value
        return cleaned

    def answers(self) -> dict[int, int | None]:
        return {pk: self.cleaned_data.get(f"i{pk}") for pk in self.indicator_ids}

    def comments(self) -> dict[int, str]:
        return {s.pk: self.cleaned_data.get(f"c{s.pk}") or "" for s in self._sections}

    def sections(self) -> list[dict]:
        """[{section, rows: [(number, indicator, bound field)], comment: bound field}]:
        indicators numbered across the whole form, as on paper."""
        out, number = [], 0
        for section in self._sections:
            rows = []
            for indicator in section.indicators.all():
                number += 1
                rows.append((number, indicator, self[f"i{indicator.pk}"]))
            out.append({"section": section, "rows": rows, "comment": self[f"c{section.pk}"]})
        return out

    def unanswered_allowed(self) -> int:
        """How many may be left blank before the form stops counting (the 5 % rule)."""
        return len(self.indicator_ids) * MAX_UNANSWERED_PERCENT // 100


SCALE_LEGEND = [(v, SCALE_WORDS[v]) for v in SCALE]


class PaperNumberForm(forms.Form):
    number = forms.IntegerField(
        label=_("Form number"),
        min_value=1,
        widget=forms.NumberInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


class PaperWithdrawForm(forms.Form):
    """Which typed-in paper form to take back, and why (audited; services say the rest)."""

    number = forms.IntegerField(
        label=_("Form number (as printed on the form)"),
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "max-w-7rem", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log with the form's number, e.g. “typed in wrongly”."),
        error_messages={"required": _("Say why the form is withdrawn.")},
    )


# --- The evaluation report ----------------------------------------------------------------

# Who the evaluation report goes to unless the officer changes it: the department's
# leaders and the lecturers it assesses (reports/evaluation_report.py writes it).
REPORT_RECIPIENTS = "- Lãnh đạo Sở (b/c);\n- Giảng viên các chuyên đề;\n- Lưu: VT, TTBC."


def report_form(data: dict | None = None) -> DocumentForm:
    """The officer's fields of the evaluation report (number, date, recipients, signer):
    the results report's own, proposing this report's recipients. With ``data`` (the
    export's query string) a field left empty takes its proposal."""
    defaults = DocumentForm.defaults(REPORT_RECIPIENTS)
    if data is None:
        return DocumentForm(initial=defaults)
    typed = {k: v for k, v in data.items() if k in defaults and (v.strip() or k == "number")}
    return DocumentForm({**defaults, **typed})
