"""The authorization matrix, generated from the URL configuration: every named URL × every
persona. A URL without an entry in tests/security/matrix.py fails the first test, so a
new page cannot ship without its author saying who may use it.

For each URL: GET as every persona (allowed → 2xx or a redirect inside the app; refused →
the login page for anonymous visitors, 401/403 from the API, 403/404 for everyone else);
POST as every persona who may not, and check that the database did not change; POST as
those who may, and check that it did (so the refused POST carried a body that would
have worked); POST without a CSRF token as the coordinator. Every 2xx sent to a logged-in
persona must carry `Cache-Control: no-store`. Whatever anyone but the
coordinator is allowed to open is decoded (xlsx, csv, PDF, docx, zip) and searched for
what they must not see: a CCCD or an ethnicity (anybody's), the other unit's people (for
each unit's officer), people only nominated (for the class's trainer), class A's people
(for another class's trainer). Whatever shows the coordinator a CCCD or an ethnicity
must have written a sensitive-view entry to the audit log."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from courses.models import AuditLog
from tests.security.content import citizen_ids_in, ethnicities_in, names_in, response_text
from tests.security.matrix import (
    ANONYMOUS,
    COORDINATOR,
    NOMINATOR_A,
    NOMINATOR_B,
    OTHER_TRAINER,
    PERSONAS,
    RULES,
    TRAINER,
)
from tests.security.world import (
    ALL_CITIZEN_IDS,
    PERSON_A1,
    PERSON_B1,
    SENSITIVE_ETHNICITIES,
    db_snapshot,
)

# --- The URL configuration ----------------------------------------------------------------


def _walk(patterns, namespace: str = "", route: str = ""):
    """(name or None, route) of every pattern, admin's own pages and static files aside."""
    for p in patterns:
        here = route + str(p.pattern)
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                yield "admin:index", here  # the index only; the rest is Django's
                continue
            prefix = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix, here)
        elif isinstance(p, URLPattern):
            if settings.STATIC_URL and here.startswith(settings.STATIC_URL.lstrip("/")):
                continue
            yield (f"{namespace}{p.name}" if p.name else None), here


def url_names() -> set[str]:
    return {name for name, _route in _walk(get_resolver().url_patterns) if name}


URL_NAMES = sorted(url_names())


def test_every_url_has_an_entry_in_the_matrix():
    missing = sorted(set(URL_NAMES) - set(RULES))
    stale = sorted(set(RULES) - set(URL_NAMES))
    assert not missing, f"Declare who may use these URLs in tests/security/matrix.py: {missing}"
    assert not stale, f"These entries name no URL any more: {stale}"


def test_every_route_has_a_name():
    """An unnamed route could not be declared in the matrix, so it would go unchecked."""
    unnamed = [route for name, route in _walk(get_resolver().url_patterns) if not name]
    assert unnamed == []


# --- Helpers ------------------------------------------------------------------------------


def client_for(world, persona: str, **kwargs) -> Client:
    client = Client(**kwargs)
    if persona != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.session_cookies[persona]
    return client


def _redirect_target(response) -> str:
    location = urlparse(response["Location"])
    assert location.netloc in ("", "testserver"), f"redirects off the site: {response['Location']}"
    return location.path


def allowed(response, *, ends_at_login: bool = False) -> bool:
    """2xx, or a redirect to a page of the app other than a login page."""
    if 200 <= response.status_code < 300:
        return True
    if response.status_code in (301, 302, 303, 307, 308):
        target = _redirect_target(response)
        return ends_at_login or target not in (reverse("login"), reverse("admin:login"))
    return False


def refused(response, persona: str) -> bool:
    if persona == ANONYMOUS:
        if response.status_code == 302:
            return _redirect_target(response) == reverse("login")
        # The JSON API answers 401/403 in JSON: a script has no login page to go to.
        is_json = response.get("Content-Type", "").startswith("application/json")
        # An unknown API address answers a JSON 404 to everyone: it names nothing.
        return response.status_code in (401, 403, 404) and is_json
    return response.status_code in (403, 404)


def describe(response) -> str:
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where}"


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def _post(client: Client, world, name: str, persona: str):
    rule = RULES[name]
    kwargs, query = rule.argument_sets(world)[0]
    url = reverse(name, kwargs=kwargs) + query
    if rule.json:
        return client.post(url, rule.body(world, persona), content_type="application/json")
    return client.post(url, rule.body(world, persona))


# --- GET: every URL × every persona -------------------------------------------------------

# Undeclared names are reported by test_every_url_has_an_entry_in_the_matrix, not here.
MATRIX_NAMES = [n for n in URL_NAMES if n != "admin:index" and n in RULES]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", MATRIX_NAMES)
def test_get(sw, name, persona):
    rule = RULES[name]
    client = client_for(sw, persona)
    for kwargs, query in rule.argument_sets(sw):
        url = reverse(name, kwargs=kwargs) + query
        audited_before = AuditLog.objects.aggregate(last=Max("pk"))["last"] or 0
        response = client.get(url)
        if rule.post_only:
            assert response.status_code == 405 or refused(response, persona), (
                f"GET {url} as {persona}: {describe(response)}, expected 405 or a refusal"
            )
            continue
        if persona not in rule.get:
            assert refused(response, persona), (
                f"GET {url} as {persona}: {describe(response)}, expected a refusal"
            )
            continue
        assert allowed(response), f"GET {url} as {persona}: {describe(response)}, expected 2xx"
        if persona != ANONYMOUS and 200 <= response.status_code < 300:
            _assert_not_stored(name, url, persona, response)
        if persona == COORDINATOR:
            _assert_sensitive_views_are_audited(url, response, audited_before)
        else:
            _assert_nothing_leaks(sw, rule, url, persona, response)


# A published library file is the same for everyone and says so itself
# (materials/library_views.py): the one response a logged-in user may keep.
PUBLISHED_FILES = {"materials:file"}


def _assert_not_stored(name: str, url: str, persona: str, response) -> None:
    """Whatever a logged-in user is sent may hold personal data: never stored
    (config.middleware.PrivateResponsesMiddleware)."""
    cache_control = response.get("Cache-Control", "")
    if name in PUBLISHED_FILES and cache_control.startswith("public"):
        from materials.models import MaterialFile, Visibility

        pk = int(url.rstrip("/").rsplit("/", 1)[-1])
        material = MaterialFile.objects.get(pk=pk).edition.material
        assert material.visibility == Visibility.PUBLIC, f"GET {url}: login-only file public"
        return
    assert "no-store" in cache_control, (
        f"GET {url} as {persona}: Cache-Control {cache_control!r}, expected no-store"
    )


SENSITIVE_VIEW_ACTIONS = {"participant.view_sensitive", "participant.export"}


def _assert_sensitive_views_are_audited(url: str, response, audited_before: int) -> None:
    """The coordinator may see CCCDs and ethnicities, and every such view is logged."""
    text = response_text(response)
    if citizen_ids_in(text, ALL_CITIZEN_IDS) or ethnicities_in(text, SENSITIVE_ETHNICITIES):
        logged = AuditLog.objects.filter(
            pk__gt=audited_before, action__in=SENSITIVE_VIEW_ACTIONS
        ).exists()
        assert logged, f"{url} shows the coordinator sensitive data without an audit entry"


def _assert_nothing_leaks(world, rule, url: str, persona: str, response) -> None:
    text = response_text(response)
    # CCCD and ethnicity are shown to the coordinator only (and audited there).
    assert citizen_ids_in(text, ALL_CITIZEN_IDS) == [], f"{url} shows {persona} a CCCD"
    assert ethnicities_in(text, SENSITIVE_ETHNICITIES) == [], f"{url} shows {persona} an ethnicity"
    if rule.names_by_design:
        return
    if persona == NOMINATOR_B:
        assert names_in(text, world.names_a) == [], f"{url} shows unit B unit A's people"
    if persona == NOMINATOR_A:
        assert names_in(text, world.names_b) == [], f"{url} shows unit A unit B's people"
    if persona == TRAINER:
        # A trainer sees who is enrolled in their class, not who a unit has put forward.
        assert names_in(text, world.names_not_enrolled) == [], (
            f"{url} shows the trainer people who are only nominated"
        )
    if persona == OTHER_TRAINER:
        assert names_in(text, world.names_class_a) == [], (
            f"{url} shows another class's trainer class A's people"
        )


def test_admin_is_for_staff(sw):
    for persona in [*PERSONAS, "staff"]:
        response = client_for(sw, persona).get(reverse("admin:index"))
        if persona == "staff":
            assert response.status_code == 200
            assert "site-name" in response.content.decode()
        else:
            assert response.status_code == 302, persona
            assert _redirect_target(response) == reverse("admin:login"), persona


# --- POST: refused personas change nothing, permitted ones change something ---------------

POST_NAMES = [n for n in MATRIX_NAMES if RULES[n].post is not None]
REFUSED_POSTS = [(n, p) for n in POST_NAMES for p in PERSONAS if p not in RULES[n].post]
PERMITTED_POSTS = [(n, p) for n in POST_NAMES for p in PERSONAS if p in RULES[n].post]


@pytest.mark.parametrize(("name", "persona"), REFUSED_POSTS)
def test_refused_post_changes_nothing(sw, name, persona):
    response = _post(client_for(sw, persona), sw, name, persona)
    assert refused(response, persona), f"POST {name} as {persona}: {describe(response)}"
    assert changed_tables(sw.baseline, db_snapshot()) == []


@pytest.mark.parametrize(("name", "persona"), PERMITTED_POSTS)
def test_permitted_post_is_accepted(sw, name, persona):
    """Proves the body used above would have done something."""
    response = _post(client_for(sw, persona), sw, name, persona)
    assert allowed(response, ends_at_login=RULES[name].ends_at_login), (
        f"POST {name} as {persona}: {describe(response)}"
    )
    if RULES[name].changes_db:
        assert changed_tables(sw.baseline, db_snapshot()) != [], (
            f"POST {name} as {persona} did nothing"
        )


READ_ONLY_NAMES = [n for n in MATRIX_NAMES if RULES[n].post is None]


@pytest.mark.parametrize("name", READ_ONLY_NAMES)
def test_url_declared_read_only_changes_nothing_on_post(sw, name):
    """`post=None` is a claim (nobody needs to be refused here): check it as the one
    persona who may do everything, with an empty body — what a view that acts on any
    POST (closing, issuing, starting a job) would act on."""
    kwargs, query = RULES[name].argument_sets(sw)[0]
    audited_before = AuditLog.objects.aggregate(last=Max("pk"))["last"] or 0
    client_for(sw, COORDINATOR).post(reverse(name, kwargs=kwargs) + query, {})
    # Reading sensitive data is logged, whatever the method: that is the only write.
    new_entries = AuditLog.objects.filter(pk__gt=audited_before).exclude(
        action__in=SENSITIVE_VIEW_ACTIONS
    )
    assert list(new_entries.values_list("action", flat=True)) == []
    changed = changed_tables(sw.baseline, db_snapshot())
    # Counting a use against a rate limit (the public verify page) is not a change either.
    bookkeeping = {"courses.AuditLog", "accounts.RateLimit"}
    assert [label for label in changed if label not in bookkeeping] == []


@pytest.mark.parametrize("name", MATRIX_NAMES)
def test_post_without_csrf_token_is_refused(sw, name):
    """Session-authenticated, so every POST needs the token — the JSON API included, and
    URLs that do nothing with a POST too (none is exempt)."""
    client = client_for(sw, COORDINATOR, enforce_csrf_checks=True)
    response = _post(client, sw, name, COORDINATOR)
    assert response.status_code == 403, f"POST {name} without a CSRF token: {describe(response)}"
    assert changed_tables(sw.baseline, db_snapshot()) == []


# --- The leak detectors find what they look for -------------------------------------------

# (URL name, variant, persona, what must be found): the same decoding that finds nothing
# for unit B finds the people where they belong, in every format.
CONTROLS = [
    ("attendees:enrollments-export", 0, COORDINATOR, "xlsx"),
    ("attendees:enrollments-export", 1, COORDINATOR, "pdf"),
    ("attendees:unit-nominations-export", 0, COORDINATOR, "xlsx"),
    ("reports:class-export", 0, COORDINATOR, "xlsx"),
    ("reports:class-export", 1, COORDINATOR, "csv"),
    ("reports:class-export", 5, COORDINATOR, "pdf"),
    ("certificates:batch-file", 1, COORDINATOR, "zip of PDFs"),
    ("materials:class-material-receipts", 0, COORDINATOR, "pdf"),
    ("api-roster", 0, COORDINATOR, "json"),
]


@pytest.mark.parametrize(("name", "variant", "persona", "fmt"), CONTROLS)
def test_leak_detector_finds_unit_a_people_where_they_belong(sw, name, variant, persona, fmt):
    kwargs, query = RULES[name].argument_sets(sw)[variant]
    response = client_for(sw, persona).get(reverse(name, kwargs=kwargs) + query)
    assert response.status_code == 200
    assert PERSON_A1[0] in names_in(response_text(response), sw.names_a), fmt


def test_leak_detector_finds_unit_b_people_in_their_own_year_workbook(sw):
    response = client_for(sw, NOMINATOR_B).get(reverse("reports:job-file", args=[sw.report_job.pk]))
    text = response_text(response)
    assert names_in(text, [PERSON_B1[0]]) == [PERSON_B1[0]]
    assert names_in(text, sw.names_a) == []


def test_leak_detector_finds_the_cccd_and_ethnicity_the_coordinator_sees(sw):
    response = client_for(sw, COORDINATOR).get(
        reverse("attendees:person-detail", args=[sw.person_a.pk])
    )
    text = response_text(response)
    assert citizen_ids_in(text, ALL_CITIZEN_IDS) == [PERSON_A1[3]]
    assert ethnicities_in(text, SENSITIVE_ETHNICITIES) == [PERSON_A1[4]]


def test_results_report_docx_is_decoded(sw):
    kwargs, _query = RULES["reports:results-export"].argument_sets(sw)[0]
    response = client_for(sw, COORDINATOR).get(reverse("reports:results-export", kwargs=kwargs))
    assert "BÁO CÁO" in response_text(response)
