"""Evaluation forms are anonymous (issue 18): no page, export or document shows a single
form's answers or comment to anyone — not to the trainers evaluated, not to the units,
not to the coordinator. The security world holds one online form, whose comment
(SECRET_COMMENT) is looked for in every GET of every URL as every persona; only the
participant's own link shows their own form back to them."""

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
)
from tests.security.test_authz_matrix import MATRIX_NAMES, client_for
from tests.security.world import SECRET_COMMENT

EVALUATED_OR_UNITS = {TRAINER, OTHER_TRAINER, NOMINATOR_A, NOMINATOR_B}


def test_trainers_and_units_may_open_no_evaluation_page_but_a_participants_own_form():
    names = [n for n in RULES if n.startswith("evaluation")]
    assert len(names) >= 10
    for name in names:
        rule = RULES[name]
        if name == "evaluation-answer":
            continue  # opened by the participant's link, and shows only their own form
        assert not rule.get & EVALUATED_OR_UNITS, name
        assert not (rule.post or frozenset()) & EVALUATED_OR_UNITS, name


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
            assert secret not in folded(response_text(response)), f"{name} shows a form"


def test_the_detector_finds_the_comment_on_its_authors_own_form(sw):
    """The participant's own link shows their form back (to correct it): the same
    search finds the comment there, so finding nothing elsewhere means something."""
    url = reverse("evaluation-answer", kwargs={"token": sw.enrollment_a2.page_token})
    response = client_for(sw, COORDINATOR).get(url)
    assert folded(SECRET_COMMENT) in folded(response_text(response))
