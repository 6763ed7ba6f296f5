"""The evaluation pages: who may use them, what they say, and that none shows a form or
who answered."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import RateLimit
from courses.models import AuditLog
from evaluation import services
from evaluation.models import Evaluation, EvaluationResponse, SurveyTemplate, TemplateSection
from tests import factories as f


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _answer_url(enrollment) -> str:
    return reverse("evaluation-answer", kwargs={"token": enrollment.page_token})


def _grid(evaluation, value="4", **changes) -> dict:
    data = {f"i{pk}": value for pk in evaluation.indicators().values_list("pk", flat=True)}
    data.update(changes)
    return data


# --- templates -----------------------------------------------------------------------------


def test_only_the_coordinator_edits_templates(world):
    url = reverse("evaluation:template-list")
    for user in (world.viewer, world.trainer, world.nominator_a):
        assert login(user).get(url).status_code == 403
    response = login(world.coordinator).get(url)
    assert response.status_code == 200
    assert SurveyTemplate.objects.get(is_default=True).name in response.content.decode()


def test_coordinator_creates_a_template_and_a_section(world):
    client = login(world.coordinator)
    response = client.post(
        reverse("evaluation:template-create"),
        {"name": "Mẫu lớp ngắn ngày", "description": "", "is_default": ""},
    )
    template = SurveyTemplate.objects.get(name="Mẫu lớp ngắn ngày")
    assert response.status_code == 302
    response = client.post(
        reverse("evaluation:section-create", args=[template.pk]),
        {
            "position": 1,
            "kind": "programme",
            "title": "Nội dung",
            "comment_prompt": "Góp ý",
            "indicators": "Nội dung thiết thực\n\nThời lượng hợp lý\n",
        },
    )
    assert response.status_code == 302
    section = template.sections.get()
    assert list(section.indicators.values_list("text", "position")) == [
        ("Nội dung thiết thực", 1),
        ("Thời lượng hợp lý", 2),
    ]
    assert AuditLog.objects.filter(action="survey_template.section_add").exists()


def test_section_edit_shows_indicators_one_per_line_and_delete_asks_first(world):
    template = SurveyTemplate.objects.get(is_default=True)
    section = template.sections.first()
    client = login(world.coordinator)
    page = client.get(reverse("evaluation:section-edit", args=[section.pk])).content.decode()
    assert section.indicators.first().text in page
    url = reverse("evaluation:section-delete", args=[section.pk])
    assert client.get(url).status_code == 200
    client.post(url, {})  # without the confirmation: nothing
    assert TemplateSection.objects.filter(pk=section.pk).exists()
    client.post(url, {"confirm": "yes"})
    assert not TemplateSection.objects.filter(pk=section.pk).exists()


def test_copy_makes_a_new_template(world):
    template = SurveyTemplate.objects.get(is_default=True)
    response = login(world.coordinator).post(
        reverse("evaluation:template-copy", args=[template.pk])
    )
    assert response.status_code == 302
    assert SurveyTemplate.objects.count() == 2


# --- the class's evaluation ----------------------------------------------------------------


def test_class_page_links_to_the_evaluation_for_readers_only(world):
    url = reverse("courses:class-detail", args=[world.class_a.code])
    target = reverse("evaluation:class", args=[world.class_a.code])
    assert target in login(world.coordinator).get(url).content.decode()
    assert target in login(world.viewer).get(url).content.decode()
    assert target not in login(world.trainer).get(url).content.decode()


def test_coordinator_opens_with_the_default_preselected(world):
    client = login(world.coordinator)
    url = reverse("evaluation:class", args=[world.class_a.code])
    page = client.get(url).content.decode()
    default = SurveyTemplate.objects.get(is_default=True)
    assert f'value="{default.pk}" selected' in page
    response = client.post(
        reverse("evaluation:open", args=[world.class_a.code]), {"template": default.pk}
    )
    assert response.status_code == 302
    assert Evaluation.objects.get(training_class=world.class_a).is_open


def test_viewer_sees_counts_but_cannot_open(world):
    url = reverse("evaluation:class", args=[world.class_a.code])
    page = login(world.viewer).get(url).content.decode()
    assert "open-form" not in page
    response = login(world.viewer).post(reverse("evaluation:open", args=[world.class_a.code]))
    assert response.status_code == 403
    assert not Evaluation.objects.exists()


def test_trainers_and_units_cannot_see_the_evaluation(ev):
    url = reverse("evaluation:class", args=[ev.class_a.code])
    for user in (ev.trainer, ev.nominator_a, ev.other_trainer):
        assert login(user).get(url).status_code == 403


def test_the_page_shows_counts_and_no_form(ev):
    evaluation = ev.evaluation
    services.response_submit(
        evaluation=evaluation,
        enrollment=ev.enrollments[0],
        answers={pk: 5 for pk in evaluation.indicators().values_list("pk", flat=True)},
        comments={evaluation.sections.first().pk: "Ý KIẾN BÍ MẬT"},
    )
    services.response_submit(
        evaluation=evaluation, enrollment=ev.enrollments[1], answers={}, comments={}
    )
    page = login(ev.coordinator).get(reverse("evaluation:class", args=[ev.class_a.code]))
    text = page.content.decode()
    assert 'id="count-total">2<' in text
    assert 'id="count-valid">1<' in text and 'id="count-invalid">1<' in text
    assert 'id="count-enrolled">3<' in text
    assert "Ý KIẾN BÍ MẬT" not in text
    for enrollment in ev.enrollments:
        assert enrollment.participant.full_name not in text


def test_close_asks_then_closes_and_reopen_asks_then_opens(ev):
    client = login(ev.coordinator)
    close = reverse("evaluation:close", args=[ev.class_a.code])
    assert "confirm-button" in client.get(close).content.decode()
    client.post(close, {})
    assert Evaluation.objects.get().is_open
    client.post(close, {"confirm": "yes"})
    assert not Evaluation.objects.get().is_open
    reopen = reverse("evaluation:reopen", args=[ev.class_a.code])
    client.post(reopen, {"confirm": "yes"})
    assert Evaluation.objects.get().is_open
    assert AuditLog.objects.filter(action="evaluation.close").exists()


# --- paper forms -------------------------------------------------------------------------


def test_reserving_paper_forms_lists_a_pdf(ev):
    client = login(ev.coordinator)
    code = ev.class_a.code
    response = client.post(reverse("evaluation:paper-reserve", args=[code]), {"count": 3})
    assert response.status_code == 302
    batch = ev.evaluation.paper.get()
    assert (batch.first_number, batch.last_number) == (1, 3)
    page = client.get(reverse("evaluation:class", args=[code])).content.decode()
    assert reverse("evaluation:paper-pdf", args=[code, batch.pk]) in page
    pdf = client.get(reverse("evaluation:paper-pdf", args=[code, batch.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_data_entry_checks_the_number_first(ev):
    client = login(ev.coordinator)
    code = ev.class_a.code
    url = reverse("evaluation:paper-entry", args=[code])
    page = client.get(url, {"number": 7}).content.decode()
    assert f"{code} · 007" in page and "number-problem" in page
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=2)
    page = client.get(url, {"number": 1}).content.decode()
    assert "entry-form" in page and f"{code} · 001" in page


def test_data_entry_saves_a_form_and_proposes_the_next_number(ev):
    client = login(ev.coordinator)
    code = ev.class_a.code
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=3)
    url = reverse("evaluation:paper-entry", args=[code])
    section = ev.evaluation.sections.first()
    response = client.post(url, _grid(ev.evaluation, number=1, **{f"c{section.pk}": "Tốt"}))
    assert response.status_code == 302 and response["Location"].endswith("?next=2")
    saved = EvaluationResponse.objects.get(number=1)
    assert saved.source == "paper" and saved.is_valid and saved.comments.get().text == "Tốt"
    page = client.get(response["Location"]).content.decode()
    assert f"{code} · 001" in page  # the message names the form saved
    # The same number again: refused, with the form named.
    page = client.post(url, _grid(ev.evaluation, number=1), follow=True).content.decode()
    assert "already been entered" in page or "đã được nhập" in page
    assert EvaluationResponse.objects.count() == 1


def test_quick_entry_fills_the_grid_and_zero_leaves_one_blank(ev):
    client = login(ev.coordinator)
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=1)
    count = ev.evaluation.indicators().count()
    quick = "0" + "5" * (count - 1)
    quick = " ".join(quick[i : i + 5] for i in range(0, len(quick), 5))  # grouped by five
    response = client.post(
        reverse("evaluation:paper-entry", args=[ev.class_a.code]),
        {"number": 1, "quick": quick, **_grid(ev.evaluation, value="1")},
    )
    assert response.status_code == 302
    saved = EvaluationResponse.objects.get()
    assert saved.answered == count - 1
    assert set(saved.answers.values_list("value", flat=True)) == {5}


def test_quick_entry_of_the_wrong_length_saves_nothing(ev):
    client = login(ev.coordinator)
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=1)
    page = client.post(
        reverse("evaluation:paper-entry", args=[ev.class_a.code]), {"number": 1, "quick": "4444"}
    ).content.decode()
    assert "quick-problem" in page
    assert EvaluationResponse.objects.count() == 0


def test_viewer_may_not_enter_paper_forms(ev):
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=1)
    response = login(ev.viewer).post(
        reverse("evaluation:paper-entry", args=[ev.class_a.code]), _grid(ev.evaluation, number=1)
    )
    assert response.status_code == 403
    assert EvaluationResponse.objects.count() == 0


# --- the participant's form --------------------------------------------------------------


def test_participant_answers_then_corrects_with_the_same_number(ev):
    client = Client()
    enrollment = ev.enrollments[0]
    url = _answer_url(enrollment)
    page = client.get(url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert page["X-Robots-Tag"].startswith("noindex")
    assert page["Referrer-Policy"] == "same-origin"
    assert enrollment.participant.full_name not in page.content.decode()
    response = client.post(url, _grid(ev.evaluation, "4"))
    assert response.status_code == 302
    saved = EvaluationResponse.objects.get()
    page = client.get(url).content.decode()
    assert saved.label in page
    first = ev.evaluation.indicators().first()
    assert f'value="4" class="btn-check" id="id_i{first.pk}_3" checked' in page or "checked" in page
    client.post(url, _grid(ev.evaluation, "2"))
    assert EvaluationResponse.objects.get().number == saved.number
    assert set(saved.answers.values_list("value", flat=True)) == {2}


def test_participant_is_warned_when_the_form_will_not_count(ev):
    client = Client()
    url = _answer_url(ev.enrollments[0])
    page = client.get(url).content.decode()
    assert "blank-warning" in page
    response = client.post(url, {}, follow=True)
    text = response.content.decode()
    assert not EvaluationResponse.objects.get().is_valid
    assert "5%" in text and "msg-warning" in text


def test_closed_and_not_open_evaluations_say_so(world):
    enrollment = f.enrollment(world.class_a, world.unit_a)
    client = Client()
    page = client.get(_answer_url(enrollment)).content.decode()
    assert 'id="not-open"' in page and "answer-form" not in page
    evaluation = services.evaluation_open(actor=world.coordinator, training_class=world.class_a)
    services.evaluation_close(actor=world.coordinator, evaluation=evaluation)
    page = client.get(_answer_url(enrollment)).content.decode()
    assert 'id="closed"' in page and "answer-form" not in page
    client.post(_answer_url(enrollment), {})
    assert EvaluationResponse.objects.count() == 0


def test_unknown_or_revoked_link_is_a_plain_404(ev):
    from attendees.personal import page_link_revoke

    client = Client()
    assert client.get(reverse("evaluation-answer", kwargs={"token": "x" * 22})).status_code == 404
    enrollment = ev.enrollments[0]
    url = _answer_url(enrollment)
    page_link_revoke(actor=ev.coordinator, enrollment=enrollment)
    response = client.get(url)
    assert response.status_code == 404 and "answer-unknown" in response.content.decode()
    assert client.post(url, _grid(ev.evaluation)).status_code == 404
    assert EvaluationResponse.objects.count() == 0


def test_the_answer_page_is_rate_limited(ev, settings):
    settings.PARTICIPANT_PAGE_RATE_LIMIT = 2
    client = Client()
    url = _answer_url(ev.enrollments[0])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert RateLimit.objects.filter(scope="participant-page").exists()


@pytest.mark.parametrize("lang", ["vi"])
def test_the_answer_page_is_in_vietnamese(ev, lang):
    page = Client().get(_answer_url(ev.enrollments[0])).content.decode()
    assert "Rất tốt" in page and "Gửi" in page


def test_after_closing_the_participant_still_sees_their_form_number(ev):
    client = Client()
    url = _answer_url(ev.enrollments[0])
    client.post(url, _grid(ev.evaluation, "3"))
    services.evaluation_close(actor=ev.coordinator, evaluation=ev.evaluation)
    page = client.get(url).content.decode()
    assert EvaluationResponse.objects.get().label in page
    assert 'id="closed"' in page and "answer-form" not in page


def test_personal_page_says_the_form_was_received_and_the_survey_leads_back(ev):
    """After answering, the person's page gives their form number and offers to correct it
    rather than asking again; the survey links back to the page (the phone has no other
    way back but the browser's history). Another person's page still asks."""
    client = Client()
    enrollment, other = ev.enrollments[0], ev.enrollments[1]
    page_url = reverse("portal:page", kwargs={"token": enrollment.page_token})
    survey = client.get(_answer_url(enrollment)).content.decode()
    assert f'href="{page_url}" id="back-to-page"' in survey
    before = client.get(page_url).content.decode()
    assert 'id="evaluation-answered"' not in before
    assert "Trả lời phiếu đánh giá" in before
    client.post(_answer_url(enrollment), _grid(ev.evaluation, "4"))
    saved = EvaluationResponse.objects.get()
    after = client.get(page_url).content.decode()
    assert 'id="evaluation-answered"' in after
    assert saved.label in after and "Xem, sửa phiếu của tôi" in after
    assert _answer_url(enrollment) in after
    theirs = client.get(reverse("portal:page", kwargs={"token": other.page_token})).content
    assert saved.label not in theirs.decode() and "Trả lời phiếu đánh giá" in theirs.decode()


def test_reserving_paper_forms_asks_how_many_not_a_form_number(ev):
    """The label "Số phiếu giấy" reads as "paper form number": beside a data-entry screen that asks
    for form numbers, the clerk typed a form's number here. The field asks how many."""
    page = login(ev.coordinator).get(reverse("evaluation:class", args=[ev.class_a.code]))
    html = page.content.decode()
    assert "Số lượng phiếu giấy cần in" in html
    assert ">Số phiếu giấy<" not in html


def test_the_survey_is_on_the_light_layout_of_the_persons_page(ev):
    """Issue 18 review: the survey had the staff layout (menu, library, log in, a POST
    language switch, Bootstrap's script). It shares the page's light layout now: one small
    stylesheet and its own, no script, the GET VI/EN links — and the form still posts."""
    client = Client()
    url = _answer_url(ev.enrollments[0])
    page = client.get(url).content.decode()
    assert "css/portal.css" in page and "css/evaluation.css" in page
    assert "<script" not in page and "bootstrap" not in page
    assert reverse("set_language") not in page and reverse("login") not in page
    assert 'href="?lang=en"' in page and '<meta name="referrer" content="same-origin">' in page
    assert client.post(url, _grid(ev.evaluation, "4")).status_code == 302
    assert EvaluationResponse.objects.count() == 1


def test_the_survey_switches_to_english_and_keeps_it(ev):
    client = Client()
    url = _answer_url(ev.enrollments[0])
    response = client.get(url + "?lang=en")
    assert response["Content-Language"] == "en"
    assert "Send my evaluation" in response.content.decode()
    assert "Send my evaluation" in client.get(url).content.decode()  # the cookie kept it
    assert "Gửi" in client.get(url + "?lang=vi").content.decode()


def test_participants_are_addressed_as_anh_chi_and_khoa_is_spelt_khoa(ev):
    """Issue 18 review: the page said "bạn" and "khoá" where the survey says "anh/chị" and
    "khóa". One register and one spelling on every screen a participant reads."""
    client = Client()
    enrollment = ev.enrollments[0]
    page_url = reverse("portal:page", kwargs={"token": enrollment.page_token})
    screens = [client.get(page_url).content.decode(), client.get(_answer_url(enrollment))]
    client.post(_answer_url(enrollment), _grid(ev.evaluation, "4"))
    screens += [client.get(page_url).content.decode(), client.get(_answer_url(enrollment))]
    for html in (s if isinstance(s, str) else s.content.decode() for s in screens):
        assert "anh/chị" in html.lower()
        assert not re.search(r"\b[Bb]ạn\b", html)
        assert "khoá" not in html.lower()


def test_the_scale_words_follow_the_page_language(ev):
    """Issue 18 review: in English the survey's scale stayed "1 = Rất kém…"."""
    url = _answer_url(ev.enrollments[0])
    english = Client().get(url + "?lang=en").content.decode()
    for word in ("1 = Very poor", "2 = Poor", "3 = Fair", "4 = Good", "5 = Very good"):
        assert word in english
    assert "Rất" not in english and "Trung bình" not in english
    vietnamese = Client().get(url).content.decode()
    assert "1 = Rất kém" in vietnamese and "5 = Rất tốt" in vietnamese


def test_an_erased_persons_link_opens_no_survey(ev):
    """Erasing a person ends their link everywhere (attendees.personal decides once): the
    survey answers like an unknown link and takes no form."""
    from django.utils import timezone

    enrollment = ev.enrollments[0]
    person = enrollment.participant
    person.erased_at = timezone.now()
    person.save()
    url = _answer_url(enrollment)
    unknown = Client().get(reverse("evaluation-answer", kwargs={"token": "nobody-has-this"}))
    page = Client().get(url)
    assert page.status_code == 404 and page.content == unknown.content
    assert Client().post(url, _grid(ev.evaluation, "4")).status_code == 404
    assert not EvaluationResponse.objects.exists()


# --- wording (i18-polish2) -------------------------------------------------------------------


@pytest.mark.parametrize("count", ["0", "501"])
def test_reserve_count_out_of_range_names_the_field_and_the_range(ev, count):
    response = login(ev.coordinator).post(
        reverse("evaluation:paper-reserve", args=[ev.class_a.code]), {"count": count}, follow=True
    )
    html = response.content.decode()
    assert "Số lượng phiếu giấy cần in mỗi lần từ 1 đến 500." in html
    assert "Đảm bảo giá trị" not in html


def test_the_page_says_numbers_were_given_not_forms_printed(ev):
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=15)
    html = login(ev.coordinator).get(reverse("evaluation:class", args=[ev.class_a.code]))
    html = html.content.decode()
    assert "Đã cấp số 15 phiếu giấy, đã nhập 0." in html
    assert "Đã in 15" not in html


def test_percentages_read_5_percent_without_a_space(ev):
    client = login(ev.coordinator)
    pages = [
        client.get(reverse("evaluation:class", args=[ev.class_a.code])),
        client.get(reverse("evaluation_stats:class", args=[ev.class_a.code])),
        client.get(reverse("evaluation:paper-entry", args=[ev.class_a.code])),
    ]
    assert "bỏ trống quá 5%)" in pages[0].content.decode()
    for page in pages:
        assert "5 %" not in page.content.decode()


def test_an_entered_paper_form_is_withdrawn_from_the_entry_page_and_typed_in_again(ev):
    client = login(ev.coordinator)
    code = ev.class_a.code
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=2)
    entry = reverse("evaluation:paper-entry", args=[code])
    client.post(entry, _grid(ev.evaluation, value="2", number=1))
    page = client.get(entry, {"number": 1}).content.decode()
    withdraw = reverse("evaluation:paper-withdraw", args=[code])
    assert "number-problem" in page and f'href="{withdraw}?number=1"' in page
    confirm = client.get(withdraw, {"number": 1}).content.decode()
    assert 'id="confirm-action"' in confirm and 'value="1"' in confirm
    assert "Rút một phiếu giấy đã nhập?" in confirm
    # Without a reason: asked for, nothing withdrawn.
    refused = client.post(f"{withdraw}?number=1", {"confirm": "yes", "number": 1, "reason": ""})
    assert refused.status_code == 200 and "Ghi lý do rút phiếu." in refused.content.decode()
    assert EvaluationResponse.objects.filter(number=1).exists()
    done = client.post(
        f"{withdraw}?number=1", {"confirm": "yes", "number": 1, "reason": "Nhập nhầm"}
    )
    assert done.status_code == 302 and done["Location"] == f"{entry}?number=1"
    page = client.get(done["Location"]).content.decode()
    assert "entry-form" in page and f"Đã rút phiếu {code} · 001" in page
    assert not EvaluationResponse.objects.exists()


def test_an_online_forms_number_offers_no_withdrawal(ev):
    client = login(ev.coordinator)
    code = ev.class_a.code
    services.paper_forms_reserve(actor=ev.coordinator, evaluation=ev.evaluation, count=1)
    online = services.response_submit(
        evaluation=ev.evaluation, enrollment=ev.enrollments[0], answers={}, comments={}
    )
    page = client.get(reverse("evaluation:paper-entry", args=[code]), {"number": online.number})
    assert "withdraw-link" not in page.content.decode()
    response = client.post(
        reverse("evaluation:paper-withdraw", args=[code]),
        {"confirm": "yes", "number": online.number, "reason": "Nhầm"},
    )
    assert response.status_code == 200 and "trả lời trực tuyến" in response.content.decode()
    assert EvaluationResponse.objects.filter(pk=online.pk).exists()
