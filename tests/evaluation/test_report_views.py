"""The statistics pages and the evaluation report (Word/PDF): who sees what, the figures
they show (the hand-computed ones of test_stats.py), and that nothing in them ties an
answer to a form or a person."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from evaluation import services
from evaluation.models import EvaluationResponse
from tests import factories as f
from tests.evaluation.builders import COMMENT_INVALID, build_year, template
from tests.security.content import names_in, response_text

pytestmark = pytest.mark.django_db

COMMENTS = ["Cần thêm tài liệu tiếng dân tộc", "Nên thêm thời gian thực hành"]


@pytest.fixture
def year():
    return build_year()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _class_url(year) -> str:
    return reverse("evaluation_stats:class", args=[year.class_a.code])


def _exports(year) -> list[str]:
    urls = [
        reverse("reports:evaluation-class-export", args=[year.class_a.code, fmt])
        for fmt in ("docx", "pdf")
    ]
    urls += [reverse("reports:evaluation-year-export", args=[2023, fmt]) for fmt in ("docx", "pdf")]
    return urls


def _no_form_or_person(text: str, year) -> None:
    """No form label ("TTDN-2023-A · 005"), no form number heading, no respondent hash,
    no participant's name."""
    assert not re.search(r"·\s*0\d\d", text)
    assert "phiếu số" not in text.casefold()
    assert "form no" not in text.casefold()
    for key in EvaluationResponse.objects.exclude(respondent="").values_list(
        "respondent", flat=True
    ):
        assert key not in text
    assert names_in(text, year.participants) == []


def test_coordinator_sees_the_class_figures_and_comments(year):
    response = _client(year.coordinator).get(_class_url(year))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="valid">5<' in html
    assert 'data-figure="invalid">1<' in html
    assert 'data-figure="mean">3,97<' in html
    assert "3,78" in html and "4,16" in html  # the two sections
    assert "20,4%" in html and "38,8%" in html  # section 1's distribution
    for text in COMMENTS:
        assert text in html
    # Listed by text, not in the order the forms came in.
    assert html.index(COMMENTS[0]) < html.index(COMMENTS[1])
    assert COMMENT_INVALID not in html
    main = html[html.index("<main") : html.index("</main>")]
    assert "<svg" in main and "<script" not in main  # charts drawn on the server


def test_the_class_trainer_sees_aggregates_without_comments(year):
    response = _client(year.trainer_user).get(_class_url(year))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3,78" in html and "4,16" in html
    for text in [*COMMENTS, "Giảng viên nói hơi nhanh"]:
        assert text not in html
    assert 'id="report-form"' not in html


def test_a_trainer_does_not_see_a_colleagues_lecturer_section(db):
    coordinator = f.user(Role.COORDINATOR)
    me = f.trainer(f.user(Role.TRAINER), full_name="Lò Văn Pành")
    colleague = f.trainer(f.user(Role.TRAINER), full_name="Tòng Thị Ánh")
    klass = f.training_class(code="TTDN-2023-H")
    f.session(klass, trainers=[me, colleague])
    evaluation = services.evaluation_open(
        actor=coordinator, training_class=klass, template=template()
    )
    batch = services.paper_forms_reserve(actor=coordinator, evaluation=evaluation, count=5)
    for number in range(batch.first_number, batch.last_number + 1):
        services.response_enter_paper(
            actor=coordinator,
            evaluation=evaluation,
            number=number,
            answers=dict.fromkeys(evaluation.indicators().values_list("pk", flat=True), 4),
            comments={},
        )
    html = _client(me.user).get(reverse("evaluation_stats:class", args=[klass.code])).content
    html = html.decode()
    assert "Giảng viên: Lò Văn Pành" in html
    assert "Tòng Thị Ánh" not in html
    assert 'data-figure="mean"' not in html  # the class mean contains the colleague's
    assert 'id="partial-note"' in html
    coordinator_html = (
        _client(coordinator)
        .get(reverse("evaluation_stats:class", args=[klass.code]))
        .content.decode()
    )
    assert "Tòng Thị Ánh" in coordinator_html


def test_a_trainer_sees_no_figure_below_five_valid_forms(db):
    """With four valid forms a mean is four people's answers: the trainer gets the counts
    and a note; the fifth form shows the figures."""
    coordinator = f.user(Role.COORDINATOR)
    me = f.trainer(f.user(Role.TRAINER), full_name="Lò Văn Pành")
    klass = f.training_class(code="TTDN-2023-K")
    f.session(klass, trainers=[me])
    evaluation = services.evaluation_open(
        actor=coordinator, training_class=klass, template=template()
    )
    batch = services.paper_forms_reserve(actor=coordinator, evaluation=evaluation, count=5)
    every = evaluation.indicators().values_list("pk", flat=True)
    url = reverse("evaluation_stats:class", args=[klass.code])
    for number in range(batch.first_number, batch.last_number):
        services.response_enter_paper(
            actor=coordinator,
            evaluation=evaluation,
            number=number,
            answers=dict.fromkeys(every, 2),
            comments={},
        )
    html = _client(me.user).get(url).content.decode()
    assert 'data-figure="valid">4<' in html
    assert 'id="withheld"' in html
    assert "2,00" not in html and "<svg" not in html[html.index("<main") :]
    assert "2,00" in _client(coordinator).get(url).content.decode()
    services.response_enter_paper(
        actor=coordinator,
        evaluation=evaluation,
        number=batch.last_number,
        answers=dict.fromkeys(every, 2),
        comments={},
    )
    html = _client(me.user).get(url).content.decode()
    assert 'id="withheld"' not in html and "2,00" in html


def test_a_units_officer_sees_no_evaluation(year):
    unit = f.organisation()
    f.quota(year.class_a, unit)
    officer = f.user(Role.NOMINATOR, unit)
    assert _client(officer).get(_class_url(year)).status_code == 403
    assert _client(officer).get(reverse("evaluation_stats:year", args=[2023])).status_code == 403
    for url in _exports(year):
        assert _client(officer).get(url).status_code == 403


def test_year_page(year):
    viewer = f.user(Role.VIEWER)
    response = _client(viewer).get(reverse("evaluation_stats:year", args=[2023]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="mean">3,81<' in html
    assert 'data-figure="valid">8<' in html
    assert "4,13" in html  # the lecturer over both classes
    assert "TTDN-2023-TH" in html  # named as left out, its figures nowhere
    assert 'id="not-evaluated"' in html and "TTDN-2023-C" in html
    assert (
        _client(year.trainer_user).get(reverse("evaluation_stats:year", args=[2023])).status_code
        == 403
    )


def test_class_page_without_an_evaluation(year):
    url = reverse("evaluation_stats:class", args=[year.not_evaluated.code])
    response = _client(year.coordinator).get(url)
    assert response.status_code == 200
    assert 'id="no-evaluation"' in response.content.decode()


def test_reports_state_the_figures_and_comments(year):
    client = _client(year.coordinator)
    query = {"number": "15/BC-STTTT", "on": "05/12/2023", "signer_name": "Lê Minh Tuấn"}
    class_docx, class_pdf, year_docx, year_pdf = (client.get(url, query) for url in _exports(year))
    for response in (class_docx, class_pdf, year_docx, year_pdf):
        assert response.status_code == 200
        assert (
            response["Cache-Control"].startswith("private")
            or "no-store" in response["Cache-Control"]
        )
    text = response_text(class_docx)
    assert "BÁO CÁO" in text and "Thông tư số 10/2017/TT-BNV" in text
    assert "Số: 15/BC-STTTT" in text
    assert "Số phiếu phát ra: 7" in text and "số phiếu hợp lệ: 5" in text
    assert "3,97" in text and "3,78" in text and "4,16" in text
    assert "Lò Văn Pành" in text  # the lecturer is named: the section evaluates them
    for comment in COMMENTS:
        assert comment in text
    assert COMMENT_INVALID not in text
    assert "chỉnh sửa trước khi ký" in text  # the clerk's conclusion placeholder (Word)
    pdf = response_text(class_pdf)
    assert "3,97" in pdf and "chỉnh sửa trước khi ký" not in pdf
    year_text = response_text(year_docx)
    assert "3,81" in year_text and "4,13" in year_text
    assert "TTDN-2023-TH" not in year_text
    assert "3,81" in response_text(year_pdf)


def test_no_form_number_or_participant_anywhere(year):
    """The pages and every file: figures only — no form number beside an answer, no
    participant's name (their comment texts are shown without either)."""
    client = _client(year.coordinator)
    pages = [_class_url(year), reverse("evaluation_stats:year", args=[2023]), *_exports(year)]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        _no_form_or_person(response_text(response), year)
    # The check can fail: a form's label is what it looks for.
    label = EvaluationResponse.objects.filter(evaluation=year.evaluation_a).first().label
    with pytest.raises(AssertionError):
        _no_form_or_person(f"{label}: 5", year)
    with pytest.raises(AssertionError):
        _no_form_or_person(year.participants[0], year)


def test_report_fields_are_checked(year):
    url = reverse("reports:evaluation-class-export", args=[year.class_a.code, "pdf"])
    response = _client(year.coordinator).get(url, {"on": "31/02/2023"})
    assert response.status_code == 400
    assert (
        _client(year.coordinator)
        .get(reverse("reports:evaluation-class-export", args=[year.not_evaluated.code, "pdf"]))
        .status_code
        == 404
    )


def test_today_is_the_default_date(year):
    response = _client(year.coordinator).get(
        reverse("reports:evaluation-class-export", args=[year.class_a.code, "docx"])
    )
    assert response.status_code == 200
    today = datetime.date.today()
    assert f"năm {today.year}" in response_text(response)


def test_counts_are_grouped_by_thousands_as_elsewhere(year, monkeypatch):
    """2996 reads "2.996", as the report and the results page print it."""
    import dataclasses

    from evaluation import report_views

    real = report_views.class_figures

    def big(evaluation):
        figures = real(evaluation)
        figures.forms = dataclasses.replace(figures.forms, printed=2996)
        return figures

    monkeypatch.setattr(report_views, "class_figures", big)
    html = _client(year.coordinator).get(_class_url(year)).content.decode()
    assert 'data-figure="printed">2.996<' in html
    # Numbers reserved for paper forms, as the evaluation page says (not all printed).
    assert "Phiếu giấy đã cấp số" in html and "Phiếu giấy đã in" not in html


def _form_fields(html: str) -> dict[str, str]:
    """The named fields of the page's report form and the values it proposes."""
    import html as html_lib
    from html.parser import HTMLParser

    form = html[html.index('id="report-form"') :]
    form = form[: form.index("</form>")]
    fields: dict[str, str] = {}

    class Parser(HTMLParser):
        name: str | None = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("name"):
                fields[attrs["name"]] = attrs.get("value") or ""
            elif tag == "textarea":
                self.name = attrs["name"]
                fields[self.name] = ""

        def handle_data(self, data):
            if self.name:
                fields[self.name] += data

        def handle_endtag(self, tag):
            if tag == "textarea":
                fields[self.name] = html_lib.unescape(fields[self.name]).strip()
                self.name = None

    Parser(convert_charrefs=True).feed(form)
    return fields


@pytest.mark.parametrize("page", ["class", "year"])
def test_the_report_form_lets_a_deputy_sign_and_edits_the_recipients(year, page):
    """The form asked only number, date and name: the title was fixed "GIÁM ĐỐC" and
    "Nơi nhận" could not be changed. It is now the results report's form."""
    client = _client(year.coordinator)
    if page == "class":
        url = _class_url(year)
        export = reverse("reports:evaluation-class-export", args=[year.class_a.code, "docx"])
    else:
        url = reverse("evaluation_stats:year", args=[2023])
        export = reverse("reports:evaluation-year-export", args=[2023, "docx"])
    fields = _form_fields(client.get(url).content.decode())
    assert set(fields) == {"number", "on", "recipients", "signer_title", "signer_name"}
    assert fields["signer_title"] == "GIÁM ĐỐC"
    assert "Lãnh đạo Sở (b/c)" in fields["recipients"]
    fields.update(
        signer_title="KT. GIÁM ĐỐC\r\nPHÓ GIÁM ĐỐC",
        signer_name="Nguyễn Văn An",
        recipients=fields["recipients"] + "\r\n- Phòng Văn hóa huyện (p/h);",
    )
    text = response_text(client.get(export, fields))
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text
    assert "Phòng Văn hóa huyện (p/h)" in text and "Nguyễn Văn An" in text


def test_the_report_form_is_the_results_reports_own():
    """One home for the officer's fields: a field added to the results report's form is
    on the evaluation report's form too."""
    from evaluation.forms import report_form
    from reports.forms import ResultsForm

    results_fields = set(ResultsForm.base_fields) - {"year", "subject"}
    assert set(report_form().fields) == results_fields
