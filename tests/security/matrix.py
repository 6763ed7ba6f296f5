"""Who may use which URL: one entry per named URL of the app (test_authz_matrix.py fails
for a URL without one, so whoever adds a URL declares who may use it).

Each entry says which personas may GET it, which may POST to it (None: it changes
nothing), how to build its arguments from the security world, and the POST body a
permitted user would send — a valid one, so that a refused POST that got through would
show in the database."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.security.world import IMPORTED_A, import_xlsx, pdf_bytes

ANONYMOUS = "anonymous"
OUTSIDER = "outsider"
NOMINATOR_A = "nominator_a"
NOMINATOR_B = "nominator_b"
OTHER_TRAINER = "other_trainer"
TRAINER = "trainer"
VIEWER = "viewer"
COORDINATOR = "coordinator"
PERSONAS = [
    ANONYMOUS,
    OUTSIDER,
    NOMINATOR_A,
    NOMINATOR_B,
    OTHER_TRAINER,
    TRAINER,
    VIEWER,
    COORDINATOR,
]

EVERYONE = frozenset(PERSONAS)
ROLES = EVERYONE - {ANONYMOUS, OUTSIDER}  # anyone the department has given a role
NOBODY: frozenset[str] = frozenset()
COORD = frozenset({COORDINATOR})
READERS = frozenset({VIEWER, COORDINATOR})  # read across all units
CLASS_A = frozenset({NOMINATOR_A, NOMINATOR_B, TRAINER, VIEWER, COORDINATOR})  # see class A
SCANNERS_A = frozenset({TRAINER, COORDINATOR})  # take class A's attendance
UNITS = frozenset({NOMINATOR_A, NOMINATOR_B, COORDINATOR})  # nominate into class A
UNIT_A = frozenset({NOMINATOR_A, COORDINATOR})  # unit A's own records


@dataclass(frozen=True)
class Rule:
    get: frozenset[str]  # personas allowed to GET (ignored when post_only)
    args: Callable = lambda w: {}
    query: Callable = lambda w: ""
    # Several argument sets (an export in each format): [(kwargs, query), ...]
    variants: Callable | None = None
    post: frozenset[str] | None = None  # personas allowed to POST; None: no state change
    data: Callable = lambda w: {}
    # Per-persona changes to the body: (w, persona) -> dict merged over `data`.
    persona_data: Callable = lambda w, persona: {}
    json: bool = False
    post_only: bool = False  # GET answers 405 (or a refusal) for everybody
    changes_db: bool = True  # a permitted POST writes to the database
    # A permitted request ends on the login page (logging out does).
    ends_at_login: bool = False
    # Why names of unit A's people may be shown to whoever may open it (else: never).
    names_by_design: str = ""

    def argument_sets(self, w) -> list[tuple[dict, str]]:
        if self.variants:
            return self.variants(w)
        return [(self.args(w), self.query(w))]

    def body(self, w, persona: str) -> dict | str:
        data = {**self.data(w), **self.persona_data(w, persona)}
        return json.dumps(data) if self.json else data


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _code(w):
    return {"code": w.class_a.code}


def _unit_a(w):
    return f"?unit={w.unit_a.pk}"


def _now() -> str:
    return timezone.now().isoformat()


def _person_fields(name: str, w) -> dict:
    return {
        "full_name": name,
        "gender": "male",
        "date_of_birth": "12/12/1989",
        "citizen_id": "",
        "phone": "",
        "position": "Cán bộ văn hoá",
        "workplace": w.unit_a.name,
        "on_state_payroll": "on",
    }


def _class_fields(w, **changes) -> dict:
    k = w.class_a
    return {
        "code": k.code,
        "title": k.title,
        "plan": k.plan_id,
        "organiser": k.organiser_id,
        "venue": k.venue_id,
        "start_date": _d(k.start_date),
        "end_date": _d(k.end_date),
        "capacity": k.capacity,
        "certificate_threshold": k.certificate_threshold,
        "late_grace_minutes": k.late_grace_minutes,
        **changes,
    }


def _session_fields(w, **changes) -> dict:
    s = w.session_a
    return {
        "date": _d(s.date),
        "start_time": s.start_time.strftime("%H:%M"),
        "end_time": s.end_time.strftime("%H:%M"),
        "topic": s.topic,
        "venue": s.venue_id,
        "trainers": [t.pk for t in s.trainers.all()],
        **changes,
    }


def _quota_fields(w) -> dict:
    from courses.models import ParticipantCategory, Quota

    data = {
        f"q_{q.organisation_id}_{q.category_id}": q.seats
        for q in Quota.objects.filter(training_class=w.class_a)
    }
    data[f"q_{w.unit_a.pk}_{ParticipantCategory.objects.get(code='a').pk}"] = 25
    return data


def _participant_fields(w) -> dict:
    p = w.person_a
    return {
        "full_name": p.full_name,
        "gender": p.gender,
        "date_of_birth": _d(p.date_of_birth),
        "ethnicity": p.ethnicity_id,
        "citizen_id": p.citizen_id,
        "phone": "",
        "position": "Trưởng phòng",
        "workplace": p.workplace,
        "on_state_payroll": "on",
    }


def _certificate_settings(w) -> dict:
    return {
        "excused_counts": "on",
        "issuer": w.class_a.organiser_id,
        "parent_body": "UBND TỈNH LAI CHÂU",
        "issuing_body": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "issue_place": "Lai Châu",
        "issued_on": _d(w.class_a.end_date),
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Nguyễn Văn Ký",
    }


def _material_fields(title: str) -> dict:
    return {
        "title": title,
        "kind": "handbook",
        "year": 2023,
        "visibility": "public",
        "description": "",
    }


def _pdf_upload(name: str = "them.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes("them"), "application/pdf")


def _second_edition(w):
    from materials.models import Edition

    return Edition.objects.get(material=w.material, label="In lần 2").pk


def _scan(w, enrollment) -> dict:
    return {
        "token": enrollment.badge_token,
        "session": w.session_a.pk,
        "nonce": str(uuid.uuid4()),
        "scanned_at": _now(),
    }


def _category(w, code: str) -> int:
    from courses.models import ParticipantCategory

    return ParticipantCategory.objects.get(code=code).pk


def _fmts(args: Callable, fmts, query: Callable = lambda w: "") -> Callable:
    return lambda w: [({**args(w), "fmt": fmt}, query(w)) for fmt in fmts]


def _class_exports(w) -> list[tuple[dict, str]]:
    sets = [({**_code(w), "fmt": "xlsx"}, "")]
    for fmt in ("csv", "pdf"):
        for view in ("matrix", "units", "categories", "absentees"):
            sets.append(({**_code(w), "fmt": fmt}, f"?view={view}"))
    return sets


# issue 18: i18-survey
def _own_form(w):
    return {"token": w.enrollment_a.page_token}


def _evaluation_grid(w, value: str) -> dict:
    return {f"i{pk}": value for pk in w.evaluation.indicators().values_list("pk", flat=True)}


def _default_template(w):
    from evaluation.models import SurveyTemplate

    return {"pk": SurveyTemplate.objects.get(is_default=True).pk}


def _template_section(w):
    from evaluation.models import TemplateSection

    return {"pk": TemplateSection.objects.filter(template__is_default=True).first().pk}


def _section_fields() -> dict:
    return {
        "position": 9,
        "kind": "programme",
        "title": "Phần mới",
        "comment_prompt": "",
        "indicators": "Tiêu chí một\nTiêu chí hai",
    }


RULES: dict[str, Rule] = {
    # --- config/urls.py: accounts, language, admin, the attendance API, verify ---------
    "login": Rule(
        get=EVERYONE,
        post=EVERYONE,
        data=lambda w: {"username": "dieuphoi", "password": "wrong"},
        changes_db=False,
    ),
    "logout": Rule(get=NOBODY, post_only=True, post=EVERYONE, changes_db=False, ends_at_login=True),
    "set_language": Rule(
        get=EVERYONE, post=EVERYONE, data=lambda w: {"language": "en"}, changes_db=False
    ),
    # Only the index is checked (test_admin_is_for_staff); its own pages are Django's.
    "admin:index": Rule(get=NOBODY),
    # The coordinator's accounts page: unit officers, trainers and viewers.
    "accounts:list": Rule(get=COORD),
    "accounts:create": Rule(
        get=COORD,
        post=COORD,
        data=lambda w: {
            "username": "canbo.moi",
            "full_name": "Lò Thị Mới",
            "role": "nominator",
            "organisation": w.unit_a.pk,
            "password": "Cao-nguyen-2026!",
        },
    ),
    "accounts:edit": Rule(
        get=COORD,
        args=lambda w: {"pk": w.nominator_b.pk},
        post=COORD,
        data=lambda w: {"full_name": "Vàng A Sử", "role": "nominator", "organisation": w.unit_a.pk},
    ),
    "accounts:disable": Rule(
        get=COORD,
        args=lambda w: {"pk": w.nominator_b.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
    ),
    # Nobody is disabled in the world: the page says so and the POST changes nothing.
    "accounts:enable": Rule(
        get=COORD,
        args=lambda w: {"pk": w.nominator_b.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
        changes_db=False,
    ),
    # A fixed description of the API, no data: public (schemathesis reads it).
    "api-openapi": Rule(get=EVERYONE),
    # Load balancers probe it without an account; it answers "ok" and nothing else.
    "healthz": Rule(get=EVERYONE),
    # Monitoring probes it without an account; component names and "ok"/"down" only.
    "readyz": Rule(get=EVERYONE),
    # The site icon: a static file, for every tab and bookmark.
    "favicon": Rule(get=EVERYONE),
    # Any other address under /api/: a JSON 404 for everyone.
    "api-not-found": Rule(get=NOBODY, args=lambda w: {"rest": "v1/nothing-here"}),
    "api-roster": Rule(get=SCANNERS_A, args=lambda w: {"pk": w.session_a.pk}),
    "api-checkin": Rule(
        get=NOBODY,
        post_only=True,
        post=SCANNERS_A,
        json=True,
        data=lambda w: {**_scan(w, w.enrollment_a2), "device": "phone-1"},
    ),
    "api-checkin-batch": Rule(
        get=NOBODY,
        post_only=True,
        post=SCANNERS_A,
        json=True,
        data=lambda w: {
            "device": "phone-1",
            "device_time": _now(),
            "scans": [_scan(w, w.enrollment_a2)],
        },
    ),
    # The person rules of the form and the import, for a unit's software: nothing is
    # stored and nobody is looked up, so any unit may ask.
    "api-person-check": Rule(
        get=NOBODY,
        post_only=True,
        post=UNITS,
        json=True,
        changes_db=False,
        data=lambda w: {
            "full_name": "Lò Thị Bịa",
            "date_of_birth": "1990-03-05",
            "gender": "female",
            "citizen_id": "012190001234",
            "phone": "0912 345 678",
        },
    ),
    "certificate-verify-form": Rule(get=EVERYONE),
    "certificate-verify": Rule(
        get=EVERYONE,
        args=lambda w: {"code": w.certificate.code},
        names_by_design="the verify page names the holder to whoever has the certificate's code",
    ),
    # --- certificates ------------------------------------------------------------------
    "certificates:class": Rule(get=CLASS_A, args=_code),
    "certificates:settings": Rule(get=COORD, args=_code, post=COORD, data=_certificate_settings),
    "certificates:batch-start": Rule(get=NOBODY, args=_code, post_only=True, post=COORD),
    "certificates:issue-one": Rule(
        get=NOBODY,
        args=lambda w: {"code": w.class_a.code, "enrollment_pk": w.enrollment_a3.pk},
        post_only=True,
        post=COORD,
    ),
    "certificates:batch-status": Rule(get=READERS, args=lambda w: {"pk": w.certificate_batch.pk}),
    "certificates:batch-file": Rule(
        get=READERS,
        variants=lambda w: [
            ({"pk": w.certificate_batch.pk, "kind": k}, "") for k in ("pdf", "zip")
        ],
    ),
    "certificates:pdf": Rule(
        get=frozenset({NOMINATOR_A, TRAINER, VIEWER, COORDINATOR}),
        args=lambda w: {"pk": w.certificate.pk},
    ),
    "certificates:revoke": Rule(
        get=COORD,
        args=lambda w: {"pk": w.certificate.pk},
        post=COORD,
        data=lambda w: {"reason": "Cấp nhầm"},
    ),
    "certificates:reissue": Rule(
        get=COORD,
        args=lambda w: {"pk": w.certificate.pk},
        post=COORD,
        data=lambda w: {"reason": "Sai chính tả tên"},
    ),
    # --- materials: catalogue ----------------------------------------------------------
    "materials:catalogue": Rule(get=READERS),
    "materials:material-create": Rule(
        get=COORD, post=COORD, data=lambda w: _material_fields("Tập san biên giới")
    ),
    "materials:material-detail": Rule(get=READERS, args=lambda w: {"pk": w.material.pk}),
    "materials:material-edit": Rule(
        get=COORD,
        args=lambda w: {"pk": w.material.pk},
        post=COORD,
        data=lambda w: _material_fields("Sổ tay thông tin đối ngoại (sửa)"),
    ),
    "materials:edition-create": Rule(
        get=COORD,
        args=lambda w: {"pk": w.material.pk},
        post=COORD,
        data=lambda w: {
            "label": "In lần 3",
            "languages": [w.edition.languages.first().pk],
            "year": 2024,
            "printed_copies": 50,
        },
    ),
    # GET only sends the coordinator back to the material's page.
    "materials:files-add": Rule(
        get=COORD,
        args=lambda w: {"pk": w.edition.pk},
        post=COORD,
        data=lambda w: {"files": [_pdf_upload()]},
    ),
    "materials:ministry-package": Rule(get=READERS),
    # Corrections: the coordinator only.
    "materials:edition-edit": Rule(
        get=COORD,
        args=lambda w: {"pk": w.edition.pk},
        post=COORD,
        data=lambda w: {
            "label": "In lần 1 (sửa)",
            "languages": [w.edition.languages.first().pk],
            "year": 2023,
            "printed_copies": 100,
        },
    ),
    "materials:edition-withdraw": Rule(
        get=COORD,
        args=lambda w: {"pk": w.edition.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes", "reason": "Tải nhầm"},
    ),
    "materials:edition-restore": Rule(
        get=COORD,
        args=lambda w: {"pk": w.withdrawn_edition.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
    ),
    "materials:file-withdraw": Rule(
        get=COORD,
        args=lambda w: {"pk": w.material_file.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes", "reason": "Tải nhầm"},
    ),
    "materials:file-restore": Rule(
        get=COORD,
        args=lambda w: {"pk": w.withdrawn_file.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
    ),
    "materials:class-material-withdraw": Rule(
        get=COORD,
        args=lambda w: {"code": w.class_a.code, "pk": w.class_material.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes", "reason": "Phát nhầm"},
    ),
    "materials:class-material-restore": Rule(
        get=COORD,
        args=lambda w: {"code": w.class_a.code, "pk": w.withdrawn_class_material.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
    ),
    "materials:class-materials": Rule(
        get=CLASS_A,
        args=_code,
        post=COORD,
        data=lambda w: {"edition": _second_edition(w), "session": ""},
    ),
    "materials:class-material": Rule(
        get=frozenset({TRAINER, VIEWER, COORDINATOR}),
        args=lambda w: {"code": w.class_a.code, "pk": w.class_material.pk},
        post=SCANNERS_A,
        data=lambda w: {"enrollment": [w.enrollment_a.pk, w.enrollment_a2.pk]},
    ),
    "materials:handover-undo": Rule(
        get=SCANNERS_A,
        args=lambda w: {
            "code": w.class_a.code,
            "pk": w.class_material.pk,
            "enrollment": w.enrollment_a.pk,
        },
        post=SCANNERS_A,
        data=lambda w: {"reason": "Quét nhầm người"},
    ),
    "materials:class-material-receipts": Rule(
        get=frozenset({TRAINER, VIEWER, COORDINATOR}),
        args=lambda w: {"code": w.class_a.code, "pk": w.class_material.pk},
    ),
    "materials:handout-scanner": Rule(get=SCANNERS_A, args=lambda w: {"pk": w.class_material.pk}),
    "materials:handout-roster": Rule(get=SCANNERS_A, args=lambda w: {"pk": w.class_material.pk}),
    "materials:handout-batch": Rule(
        get=NOBODY,
        args=lambda w: {"pk": w.class_material.pk},
        post_only=True,
        post=SCANNERS_A,
        json=True,
        data=lambda w: {
            "device": "phone-1",
            "scans": [
                {
                    "token": w.enrollment_a2.badge_token,
                    "nonce": str(uuid.uuid4()),
                    "scanned_at": _now(),
                }
            ],
        },
    ),
    # --- materials: printed distribution -----------------------------------------------
    "materials:distribution-plan": Rule(
        get=READERS,
        args=lambda w: {"pk": w.edition.pk},
        post=COORD,
        data=lambda w: {"action": "plan", f"r{w.unit_b.pk}": 5},
    ),
    "materials:dispatch-create": Rule(
        get=COORD,
        args=lambda w: {"pk": w.line.pk},
        post=COORD,
        data=lambda w: {
            "dispatched_on": _d(timezone.localdate()),
            "quantity": 2,
            "carrier": "Xe của Sở",
            "note": "",
        },
    ),
    "materials:receipt": Rule(
        get=COORD,
        args=lambda w: {"pk": w.dispatch.pk},
        post=COORD,
        data=lambda w: {
            "received_on": _d(timezone.localdate()),
            "received_by": "Văn thư huyện",
            "received_quantity": 3,
        },
    ),
    "materials:receipt-scan": Rule(get=READERS, args=lambda w: {"pk": w.dispatch.pk}),
    "materials:outstanding": Rule(get=READERS),
    "materials:totals": Rule(get=READERS),
    # --- materials: the public library -------------------------------------------------
    "materials:library": Rule(get=EVERYONE),
    "materials:library-item": Rule(get=EVERYONE, args=lambda w: {"pk": w.material.pk}),
    "materials:file": Rule(get=EVERYONE, args=lambda w: {"pk": w.material_file.pk}),
    # --- reports -----------------------------------------------------------------------
    "reports:dashboard": Rule(get=ROLES),
    "reports:class": Rule(get=CLASS_A, args=_code),
    "reports:class-export": Rule(get=CLASS_A, variants=_class_exports),
    # Anyone with a role may ask for their own (scoped) year workbook.
    "reports:year-export": Rule(
        get=NOBODY, args=lambda w: {"year": w.year}, post_only=True, post=ROLES
    ),
    # The job was asked for by unit B: only they and the coordinator may follow it.
    "reports:job-status": Rule(
        get=frozenset({NOMINATOR_B, COORDINATOR}), args=lambda w: {"pk": w.report_job.pk}
    ),
    "reports:job-file": Rule(
        get=frozenset({NOMINATOR_B, COORDINATOR}), args=lambda w: {"pk": w.report_job.pk}
    ),
    "reports:payments": Rule(
        get=READERS,
        args=_code,
        post=COORD,
        data=lambda w: {
            "meal_per_day": "200.000",
            "lodging_per_night": "300.000",
            "travel_per_person": "100.000",
        },
    ),
    "reports:payments-export": Rule(get=READERS, variants=_fmts(_code, ("pdf", "xlsx"))),
    "reports:results": Rule(get=READERS),
    "reports:results-export": Rule(
        get=READERS, variants=_fmts(lambda w: {"year": w.year}, ("docx", "pdf"))
    ),
    # --- attendees: nominations --------------------------------------------------------
    # Nominators get their classes; everyone else with a role is sent to the review list.
    "attendees:home": Rule(get=ROLES),
    "attendees:review": Rule(
        get=READERS,
        post=COORD,
        data=lambda w: {"action": "approve", "ids": [w.nomination_submitted.pk]},
    ),
    "attendees:import-template": Rule(get=ROLES),
    "attendees:nomination-withdraw": Rule(
        get=NOBODY,
        args=lambda w: {"pk": w.nomination_draft.pk},
        post_only=True,
        post=UNIT_A,
    ),
    "attendees:nomination-substitute": Rule(
        get=UNIT_A,
        args=lambda w: {"pk": w.nomination_submitted.pk},
        post=UNIT_A,
        data=lambda w: {
            **_person_fields("Lầu Văn Mang", w),
            "category": w.nomination_submitted.category_id,
        },
    ),
    "attendees:import-preview": Rule(
        get=UNIT_A, args=lambda w: {"pk": w.import_batch.pk}, post=UNIT_A
    ),
    # Unit B has seats in class A too: its officer manages unit B's part (never A's,
    # whatever ?unit= says).
    "attendees:unit-nominations": Rule(get=UNITS, args=_code, query=_unit_a),
    "attendees:unit-nominations-export": Rule(
        get=UNITS, variants=_fmts(_code, ("xlsx", "pdf", "csv"), _unit_a)
    ),
    "attendees:nomination-add": Rule(
        get=UNITS,
        args=_code,
        query=_unit_a,
        post=UNITS,
        data=lambda w: {
            **_person_fields("Lầu Văn Mang", w),
            "unit": w.unit_a.pk,
            "category": _category(w, "a"),
        },
        # Unit B's seats in class A are in category c.
        persona_data=lambda w, p: {"category": _category(w, "c")} if p == NOMINATOR_B else {},
    ),
    # Unit B submits (and is asked to confirm) its own drafts in class A, never unit A's;
    # the confirmation page lists the people to be sent, so the names are unit A's only
    # for unit A and the coordinator.
    "attendees:unit-submit": Rule(
        get=UNITS,
        args=_code,
        query=_unit_a,
        post=UNITS,
        data=lambda w: {"unit": w.unit_a.pk, "confirm": "yes"},
    ),
    "attendees:import-upload": Rule(
        get=UNITS,
        args=_code,
        query=_unit_a,
        post=UNITS,
        data=lambda w: {
            "unit": w.unit_a.pk,
            "file": SimpleUploadedFile("ds.xlsx", import_xlsx([IMPORTED_A])),
        },
    ),
    "attendees:composition": Rule(get=READERS, args=_code),
    "attendees:enrollments": Rule(get=CLASS_A, args=_code),
    "attendees:enrollments-export": Rule(
        get=CLASS_A, variants=_fmts(_code, ("xlsx", "pdf", "csv"))
    ),
    "attendees:people": Rule(get=ROLES),
    # --- attendees: attendance ---------------------------------------------------------
    "attendees:session-picker": Rule(get=frozenset({TRAINER, OTHER_TRAINER, COORDINATOR})),
    # The scanner's service worker and manifest: static files served from /scan/ so that
    # they may control the scanner pages; no data.
    "attendees:scanner-sw": Rule(get=EVERYONE),
    "attendees:scanner-manifest": Rule(get=EVERYONE),
    "attendees:scanner": Rule(get=SCANNERS_A, args=lambda w: {"pk": w.session_a.pk}),
    "attendees:attendance-panel": Rule(get=SCANNERS_A, args=lambda w: {"pk": w.session_a.pk}),
    "attendees:attendance-correct": Rule(
        get=NOBODY,
        args=lambda w: {"pk": w.session_a.pk},
        post_only=True,
        post=SCANNERS_A,
        # The attendance list's single "Save" (#15): one field pair per person.
        data=lambda w: {
            f"status-{w.enrollment_a2.pk}": "excused",
            f"reason-{w.enrollment_a2.pk}": "Ốm",
        },
    ),
    # The coordinator decides on a scan uploaded after its session closed (#13).
    "attendees:held-scan-review": Rule(
        get=NOBODY,
        args=lambda w: {"pk": w.session_a.pk, "scan": w.held_scan.pk},
        post_only=True,
        post=COORD,
        data=lambda w: {"decision": "accept"},
    ),
    # Asks first (#15): GET is the confirmation page, a POST with confirm=yes closes. In
    # this world session_a is closed already (certificates were issued from it), so the
    # permitted POST is answered "already closed" and changes nothing.
    "attendees:session-close": Rule(
        get=SCANNERS_A,
        args=lambda w: {"pk": w.session_a.pk},
        post=SCANNERS_A,
        data=lambda w: {"confirm": "yes"},
        changes_db=False,
    ),
    # The coordinator reopens a closed session with a reason; here certificates of the
    # class were issued, so the page says it no longer can and the POST changes nothing.
    "attendees:session-reopen": Rule(
        get=COORD,
        args=lambda w: {"pk": w.session_a.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes", "reason": "Kết thúc nhầm"},
        changes_db=False,
    ),
    "attendees:class-badges": Rule(get=SCANNERS_A, args=_code),
    "certificates:invitation": Rule(
        get=frozenset({NOMINATOR_A, TRAINER, COORDINATOR}), args=lambda w: {"pk": w.enrollment_a.pk}
    ),
    "certificates:invitation-issue": Rule(
        get=NOBODY,
        args=lambda w: {"pk": w.enrollment_a.pk},
        post_only=True,
        post=COORD,
        data=lambda w: {"issued_on": "20/09/2023"},
    ),
    "attendees:badge-reissue": Rule(
        get=NOBODY, args=lambda w: {"pk": w.enrollment_a.pk}, post_only=True, post=COORD
    ),
    # --- attendees: people -------------------------------------------------------------
    "attendees:possible-duplicates": Rule(get=COORD),
    "attendees:possible-duplicate-decide": Rule(
        get=NOBODY,
        args=lambda w: {"pk": w.held_b.pk},
        post_only=True,
        post=COORD,
        data=lambda w: {"decision": "merge"},
    ),
    "attendees:person-detail": Rule(
        get=frozenset({NOMINATOR_A, TRAINER, VIEWER, COORDINATOR}),
        args=lambda w: {"pk": w.person_a.pk},
    ),
    "attendees:person-edit": Rule(
        get=UNIT_A, args=lambda w: {"pk": w.person_a.pk}, post=UNIT_A, data=_participant_fields
    ),
    "attendees:person-export": Rule(get=COORD, args=lambda w: {"pk": w.person_a.pk}),
    # Erasing cannot be undone: GET is the confirmation page, a POST with confirm=yes erases.
    "attendees:person-erase": Rule(
        get=COORD,
        args=lambda w: {"pk": w.person_a.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
    ),
    # --- courses -----------------------------------------------------------------------
    "courses:dashboard": Rule(get=ROLES),
    "courses:class-create": Rule(
        get=COORD,
        post=COORD,
        data=lambda w: _class_fields(w, code="TTDN-2023-L9", title="Lớp bồi dưỡng mới"),
    ),
    "courses:class-detail": Rule(get=CLASS_A, args=_code),
    "courses:class-edit": Rule(
        get=COORD, args=_code, post=COORD, data=lambda w: _class_fields(w, capacity=95)
    ),
    "courses:class-change-state": Rule(
        get=NOBODY, args=_code, post_only=True, post=COORD, data=lambda w: {"state": "running"}
    ),
    # Closing asks first, reopening takes a reason (#15). Class A is nominating here: it
    # can be neither closed nor reopened, so both send the coordinator back to the class.
    "courses:class-close": Rule(
        get=COORD, args=_code, post=COORD, data=lambda w: {"confirm": "yes"}, changes_db=False
    ),
    "courses:class-reopen": Rule(
        get=COORD,
        args=_code,
        post=COORD,
        data=lambda w: {"confirm": "yes", "reason": "Đóng nhầm"},
        changes_db=False,
    ),
    "courses:quota-edit": Rule(get=COORD, args=_code, post=COORD, data=_quota_fields),
    "courses:session-create": Rule(
        get=COORD,
        args=_code,
        post=COORD,
        data=lambda w: _session_fields(
            w, date=_d(w.class_a.start_date + datetime.timedelta(days=1)), topic="Buổi mới"
        ),
    ),
    "courses:session-edit": Rule(
        get=COORD,
        args=lambda w: {"pk": w.session_a.pk},
        post=COORD,
        data=lambda w: _session_fields(w, topic="Chuyên đề sửa"),
    ),
    # Deleting a session deletes its attendance: GET asks, a POST with confirm=yes deletes.
    "courses:session-delete": Rule(
        get=COORD,
        args=lambda w: {"pk": w.session_a.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
    ),
    # issue 18: i18-portal — the participant's own page. Its code is the key: anyone
    # holding the link may open it, logged in or not (as the certificate's verify page);
    # the link itself (which opens it) is shown to the coordinator only.
    "portal:page": Rule(
        get=EVERYONE,
        args=lambda w: {"token": w.enrollment_a.page_token},
        names_by_design="the personal page names its holder to whoever has their link",
    ),
    "portal:calendar": Rule(get=EVERYONE, args=lambda w: {"token": w.enrollment_a.page_token}),
    "portal:file": Rule(
        get=EVERYONE, args=lambda w: {"token": w.enrollment_a.page_token, "pk": w.material_file.pk}
    ),
    "portal:certificate": Rule(
        get=EVERYONE,
        args=lambda w: {"token": w.enrollment_a.page_token},
        names_by_design="the holder's own certificate, to whoever has their link",
    ),
    "portal:link": Rule(get=COORD, args=lambda w: {"pk": w.enrollment_a.pk}),
    "portal:link-reissue": Rule(
        get=COORD,
        args=lambda w: {"pk": w.enrollment_a.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
    ),
    "portal:link-revoke": Rule(
        get=COORD,
        args=lambda w: {"pk": w.enrollment_a.pk},
        post=COORD,
        data=lambda w: {"confirm": "yes"},
    ),
    # issue 18: i18-survey — evaluating training quality. No URL shows a single form or
    # who answered (tests/security/test_evaluation_anonymity.py); trainers and unit officers
    # may use none of these pages but a participant's own form, which only its link opens.
    "evaluation-answer": Rule(
        get=EVERYONE, args=_own_form, post=EVERYONE, data=lambda w: _evaluation_grid(w, "4")
    ),
    "evaluation:template-list": Rule(get=COORD),
    "evaluation:template-create": Rule(
        get=COORD, post=COORD, data=lambda w: {"name": "Mẫu phiếu ngắn", "description": ""}
    ),
    "evaluation:template-edit": Rule(
        get=COORD,
        args=_default_template,
        post=COORD,
        data=lambda w: {"name": "Mẫu phiếu đã sửa", "description": "", "is_default": "on"},
    ),
    "evaluation:template-copy": Rule(
        get=NOBODY, args=_default_template, post_only=True, post=COORD
    ),
    "evaluation:section-create": Rule(
        get=COORD, args=_default_template, post=COORD, data=lambda w: _section_fields()
    ),
    "evaluation:section-edit": Rule(
        get=COORD, args=_template_section, post=COORD, data=lambda w: _section_fields()
    ),
    "evaluation:section-delete": Rule(
        get=COORD, args=_template_section, post=COORD, data=lambda w: {"confirm": "yes"}
    ),
    # Counts only: the coordinator and viewers, like the class's composition.
    "evaluation:class": Rule(get=READERS, args=_code),
    # Class B has no evaluation yet: the permitted POST opens it.
    "evaluation:open": Rule(
        get=NOBODY,
        args=lambda w: {"code": w.class_b.code},
        post_only=True,
        post=COORD,
        data=lambda w: {"template": _default_template(w)["pk"]},
    ),
    "evaluation:close": Rule(get=COORD, args=_code, post=COORD, data=lambda w: {"confirm": "yes"}),
    # Class A's evaluation is open: the page says so and the POST changes nothing.
    "evaluation:reopen": Rule(
        get=COORD,
        args=_code,
        post=COORD,
        data=lambda w: {"confirm": "yes"},
        changes_db=False,
    ),
    "evaluation:paper-reserve": Rule(
        get=NOBODY, args=_code, post_only=True, post=COORD, data=lambda w: {"count": 3}
    ),
    "evaluation:paper-pdf": Rule(
        get=COORD, args=lambda w: {"code": w.class_a.code, "pk": w.paper_batch.pk}
    ),
    "evaluation:paper-entry": Rule(
        get=COORD,
        args=_code,
        post=COORD,
        data=lambda w: {"number": w.paper_batch.first_number, **_evaluation_grid(w, "5")},
    ),
    # issue 18: i18-stats — the evaluation's figures (class A has one: tests/security/world.py).
    # The class page: the department, viewers and the class's trainer (aggregates, no
    # comments); a unit's officer sees nothing. The year page and the Word/PDF reports
    # (which list the comments): the department and viewers.
    "evaluation_stats:class": Rule(get=frozenset({TRAINER, VIEWER, COORDINATOR}), args=_code),
    "evaluation_stats:year": Rule(get=READERS, args=lambda w: {"year": w.class_a.year}),
    "reports:evaluation-class-export": Rule(get=READERS, variants=_fmts(_code, ("docx", "pdf"))),
    "reports:evaluation-year-export": Rule(
        get=READERS, variants=_fmts(lambda w: {"year": w.class_a.year}, ("docx", "pdf"))
    ),
    # issue 18: i18-assess
    # The final assessment list: read by whoever sees class A (a unit's officer its own
    # people only), saved by its trainer and the coordinator. Class A holds an issued
    # certificate, so a permitted save is refused with the reason and changes nothing
    # (tests/attendees/test_assessment.py saves in a class without one).
    "attendees:assessment": Rule(
        get=CLASS_A,
        args=_code,
        post=SCANNERS_A,
        data=lambda w: {
            f"assessment-{w.enrollment_a2.pk}": "failed",
            f"initial-assessment-{w.enrollment_a2.pk}": "",
            f"score-{w.enrollment_a2.pk}": "4,5",
            f"initial-score-{w.enrollment_a2.pk}": "",
        },
        changes_db=False,
    ),
    # issue 18: i18-polish2
    # Withdrawing a typed-in paper form (typed in wrongly): the coordinator only, like
    # typing it in. Class A holds one typed paper form (tests/security/world.py).
    "evaluation:paper-withdraw": Rule(
        get=COORD,
        args=_code,
        post=COORD,
        data=lambda w: {
            "confirm": "yes",
            "number": w.evaluation.responses.filter(source="paper")
            .values_list("number", flat=True)
            .first(),
            "reason": "Nhập nhầm",
        },
    ),
}
