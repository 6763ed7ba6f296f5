"""Evaluation forms are anonymous (issue 18): no page, export or document shows a single
form, or who wrote it, to anyone. The trainers evaluated and the units see no answer at
all: a trainer reads their class's aggregates only, and only from five valid forms up.
The department (coordinator, viewers) reads the comments listed per section on the
statistics pages and reports — a comment, never beside a form number or a name. The
security world holds one online form, whose comment (SECRET_COMMENT) is looked for in
every GET of every URL as every persona; the participant's own link shows their own form
back to them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.security.content import folded, response_text
from tests.security.matrix import (
    COORDINATOR,
    NOMINATOR_A,
    NOMINATOR_B,
    OTHER_TRAINER,
    PERSONAS,
    RULES,
    TRAINER,
    VIEWER,
)
from tests.security.test_authz_matrix import MATRIX_NAMES, client_for
from tests.security.world import SECRET_COMMENT

EVALUATED_OR_UNITS = {TRAINER, OTHER_TRAINER, NOMINATOR_A, NOMINATOR_B}


# The pages that list comments (by section, sorted by text), for the department only;
# the year's page shows figures only.
COMMENT_LISTS = {
    "evaluation_stats:class",
    "reports:evaluation-class-export",
    "reports:evaluation-year-export",
}
DEPARTMENT = {COORDINATOR, VIEWER}


def test_trainers_and_units_may_open_no_evaluation_page_but_a_participants_own_form():
    names = [n for n in RULES if n.startswith("evaluation") or n.startswith("reports:evaluation")]
    assert len(names) >= 14
    for name in names:
        rule = RULES[name]
        if name == "evaluation-answer":
            continue  # opened by the participant's link, and shows only their own form
        allowed = rule.get & EVALUATED_OR_UNITS
        if name == "evaluation_stats:class":
            # The class's trainer reads its aggregates (see the test below); no unit does.
            assert allowed == {TRAINER}, name
        else:
            assert not allowed, name
        assert not (rule.post or frozenset()) & EVALUATED_OR_UNITS, name


def test_the_trainer_reads_no_figure_made_of_fewer_than_five_forms(sw):
    """Class A has two valid forms in the security world: its trainer sees the counts
    and why there is nothing more, the department sees the figures."""
    url = reverse("evaluation_stats:class", kwargs={"code": sw.class_a.code})
    trainer_html = client_for(sw, TRAINER).get(url).content.decode()
    assert 'id="withheld"' in trainer_html and 'id="chart-sections"' not in trainer_html
    coordinator_html = client_for(sw, COORDINATOR).get(url).content.decode()
    assert 'id="withheld"' not in coordinator_html and 'id="chart-sections"' in coordinator_html


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_shows_anybodys_form(sw, persona):
    client = client_for(sw, persona)
    secret = folded(SECRET_COMMENT)
    for name in MATRIX_NAMES:
        rule = RULES[name]
        if rule.post_only or persona not in rule.get:
            continue
        for kwargs, query in rule.argument_sets(sw):
            response = client.get(reverse(name, kwargs=kwargs) + query)
            if response.status_code != 200:
                continue
            text = folded(response_text(response))
            if persona in DEPARTMENT and name in COMMENT_LISTS:
                # Listed as a comment of its section, never with the form it came from.
                assert secret in text, f"{name} lost the comments"
                continue
            assert secret not in text, f"{name} shows {persona} a form's comment"


def test_the_detector_finds_the_comment_on_its_authors_own_form(sw):
    """The participant's own link shows their form back (to correct it): the same
    search finds the comment there, so finding nothing elsewhere means something."""
    url = reverse("evaluation-answer", kwargs={"token": sw.enrollment_a2.page_token})
    response = client_for(sw, COORDINATOR).get(url)
    assert folded(SECRET_COMMENT) in folded(response_text(response))
