"""The populated world of the security tests: people of two units, their nominations,
enrollments, attendance, certificates, materials and report jobs. Built once per module
(see conftest.py): every URL of the app needs some object to point at, and building
them all for each of ~1,000 requests would be slow."""

from __future__ import annotations

import datetime
import io
import uuid
from dataclasses import dataclass, field

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from tests import factories as f
from tests.conftest import World

# Unit A's people: distinctive names (no other text in the app folds to them) and CCCDs
# whose middle digits appear nowhere else, so a leak is found in any rendering.
PERSON_A1 = ("Giàng Thị Dinh", "female", datetime.date(1991, 3, 4), "012191730418", "Ơ Đu")
PERSON_A2 = ("Khoàng Văn Quyết", "male", datetime.date(1988, 7, 9), "012088641529", "Pu Péo")
PERSON_A3 = ("Sùng A Chứ", "male", datetime.date(1990, 1, 2), "012090552630", "Brâu")
PERSON_A4 = ("Vàng Thị Chi", "female", datetime.date(1995, 5, 6), "012195463741", "Rơ-măm")
PERSON_A5 = ("Hạng A Tủa", "male", datetime.date(1985, 8, 9), "012085374852", "Si La")
# In unit A's uploaded spreadsheet, not yet imported.
IMPORTED_A = ("Thào Thị Pà", "female", datetime.date(1992, 2, 3), "012192285963", "Cống")
# Unit B's person in class A, and unit B's person in class B.
PERSON_B1 = ("Tẩn Thị Mẩy", "female", datetime.date(1993, 4, 5), "012193196074", "Bố Y")
DRAFT_B = ("Chẻo Văn Lình", "male", datetime.date(1994, 9, 1), "012094718296", "Kháng")
PERSON_C1 = ("Lù Văn Sềnh", "male", datetime.date(1987, 6, 7), "012087907185", "Lô Lô")
# Unit B typed A2's CCCD under another name: its own record, held as a possible duplicate
# of A2 for the coordinator (attendees/identity.py), nominated to class B.
HELD_B = ("Mùa Văn Khiêm", "male", datetime.date(1988, 7, 9), PERSON_A2[3], "Pu Péo")

EVERY_PERSON = [
    PERSON_A1,
    PERSON_A2,
    PERSON_A3,
    PERSON_A4,
    PERSON_A5,
    IMPORTED_A,
    PERSON_B1,
    DRAFT_B,
    PERSON_C1,
    HELD_B,
]
# Only the coordinator may see these, for anyone.
ALL_CITIZEN_IDS = [p[3] for p in EVERY_PERSON]
SENSITIVE_ETHNICITIES = [p[4] for p in EVERY_PERSON]


@dataclass
class SecurityWorld(World):
    staff: object = None
    people_a: list = field(default_factory=list)  # unit A's participants
    person_a: object = None
    person_b: object = None
    enrollment_a: object = None  # A1 in class A: certificate issued, present
    enrollment_a2: object = None  # A2 in class A: absent, no hand-out yet
    enrollment_a3: object = None  # A3 in class A: eligible, no certificate yet
    enrollment_b: object = None  # B1 in class A
    nomination_draft: object = None  # A4, draft, class A
    nomination_submitted: object = None  # A5, submitted, class A
    held_b: object = None  # unit B's record held as a possible duplicate of A2
    import_batch: object = None
    certificate: object = None
    certificate_batch: object = None
    material: object = None
    edition: object = None
    material_file: object = None
    class_material: object = None
    withdrawn_edition: object = None  # a wrong upload the coordinator withdrew
    withdrawn_file: object = None  # its file
    withdrawn_class_material: object = None  # an edition no longer handed out in class A
    line: object = None
    dispatch: object = None
    report_job: object = None
    held_scan: object = None  # A2 scanned, uploaded after closing: waits for the coordinator
    year: int = 2023
    # Everything unit B (and trainers of other classes) must never see.
    names_a: list = field(default_factory=list)  # unit A's people
    names_b: list = field(default_factory=list)  # unit B's people
    names_class_a: list = field(default_factory=list)  # everyone nominated to class A
    names_not_enrolled: list = field(default_factory=list)  # nominated only
    session_cookies: dict = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)
    # issue 18: i18-survey — class A's evaluation, A2's online form, printed paper forms.
    evaluation: object = None
    paper_batch: object = None


def pdf_bytes(text: str = "receipt") -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def import_xlsx(rows: list[tuple]) -> bytes:
    """A nomination spreadsheet in the department's template."""
    from attendees.importing import COLUMNS

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for i, (name, gender, dob, cccd, ethnicity) in enumerate(rows, start=1):
        sheet.append(
            [
                i,
                name,
                dob.strftime("%d/%m/%Y"),
                "Nữ" if gender == "female" else "Nam",
                ethnicity,
                cccd,
                "",
                "Chuyên viên",
                "UBND huyện Mường Tè",
                "a",
                "Có",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _person(org, spec, **extra):
    from attendees.models import Ethnicity

    name, gender, dob, cccd, ethnicity = spec
    return f.participant(
        org,
        full_name=name,
        gender=gender,
        date_of_birth=dob,
        citizen_id=cccd,
        ethnicity=Ethnicity.objects.get(name=ethnicity),
        position="Chuyên viên",
        **extra,
    )


def _base_world() -> dict:
    """The shared `world` of tests/conftest.py (built here at module scope)."""
    unit_a = f.organisation(name="UBND huyện Mường Tè", code="107")
    unit_b = f.organisation(name="UBND huyện Phong Thổ", code="109")
    class_a = f.training_class(code="TTDN-2023-L3")
    class_b = f.training_class(code="TTDN-2023-L2")
    class_planning = f.training_class(
        code="TTDN-2024-L1", state="planning", start_date=class_a.start_date.replace(year=2024)
    )
    f.quota(class_a, unit_a, "a", 30)
    f.quota(class_a, unit_b, "c", 5)
    f.quota(class_b, unit_b, "a", 40)
    f.quota(class_planning, unit_a, "a", 10)
    trainer_user = f.user(Role.TRAINER, username="giangvien")
    other_trainer_user = f.user(Role.TRAINER, username="giangvien2")
    t = f.trainer(trainer_user, full_name="Lò Văn Pành")
    t2 = f.trainer(other_trainer_user, full_name="Tòng Thị Ánh")
    session_a = f.session(class_a, trainers=[t])
    f.session(class_b, trainers=[t2])
    return {
        "unit_a": unit_a,
        "unit_b": unit_b,
        "class_a": class_a,
        "class_b": class_b,
        "class_planning": class_planning,
        "session_a": session_a,
        "coordinator": f.user(Role.COORDINATOR, username="dieuphoi"),
        "nominator_a": f.user(Role.NOMINATOR, unit_a, username="muongte"),
        "nominator_b": f.user(Role.NOMINATOR, unit_b, username="phongtho"),
        "trainer": trainer_user,
        "other_trainer": other_trainer_user,
        "viewer": f.user(Role.VIEWER, username="xem"),
        "outsider": f.user("", username="nguoingoai"),
    }


def build_world() -> SecurityWorld:
    from attendees.models import Attendance, ImportBatch, ScanEvent
    from certificates import services as certificate_services
    from certificates import tasks as certificate_tasks
    from courses.models import Session
    from materials import services as material_services
    from materials.models import ClassMaterial, Edition, Language, Material, MaterialFile
    from reports.models import ClassAllowance, ReportJob
    from reports.tasks import run_report_job

    w = SecurityWorld(**_base_world())
    w.staff = f.user(Role.COORDINATOR, username="dieuphoi-staff", is_staff=True)
    a, b, klass = w.unit_a, w.unit_b, w.class_a

    people_a = [_person(a, p) for p in (PERSON_A1, PERSON_A2, PERSON_A3, PERSON_A4, PERSON_A5)]
    w.people_a = people_a
    w.person_a = people_a[0]
    w.person_b = _person(b, PERSON_B1)
    person_c = _person(b, PERSON_C1)
    w.enrollment_a = f.enrollment(klass, a, people_a[0])
    w.enrollment_a2 = f.enrollment(klass, a, people_a[1])
    w.enrollment_b = f.enrollment(klass, b, w.person_b, code="c")
    f.enrollment(w.class_b, b, person_c)
    w.held_b = _person(
        b,
        HELD_B,
        possible_duplicate_of=people_a[1],
        held_by=w.nominator_b,
        held_at=timezone.now(),
    )
    f.nomination(w.class_b, b, person=w.held_b)
    w.nomination_draft = f.nomination(klass, a, person=people_a[3])
    w.nomination_submitted = f.nomination(klass, a, person=people_a[4], state="submitted")
    # Unit B's own draft in class A: what unit B's officer may submit there.
    f.nomination(klass, b, "c", person=_person(b, DRAFT_B))

    # The class has been held: its one session is closed, A1 and B1 came, A2 did not.
    session = w.session_a
    at = timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))
    for enrollment, status in ((w.enrollment_a, "present"), (w.enrollment_b, "present")):
        Attendance.objects.create(
            enrollment=enrollment, session=session, status=status, first_scan_at=at
        )
    Attendance.objects.create(enrollment=w.enrollment_a2, session=session, status="absent")
    Session.objects.filter(pk=session.pk).update(closed_at=timezone.now())

    # Certificates: a print job (issues A1 and B1, draws the PDF and the ZIP), then A3
    # joins late (eligible, not issued: the target of "issue one").
    w.certificate_batch = certificate_tasks.batch_start(actor=w.coordinator, training_class=klass)
    certificate_services.batch_run(w.certificate_batch)
    w.certificate_batch.refresh_from_db()
    w.certificate = w.enrollment_a.certificates.get()
    w.enrollment_a3 = f.enrollment(klass, a, people_a[2])
    Attendance.objects.create(
        enrollment=w.enrollment_a3, session=session, status="present", first_scan_at=at
    )
    # A2's scan from a phone that came back online after the certificates: held.
    w.held_scan = ScanEvent.objects.create(
        nonce=uuid.uuid4(),
        token=w.enrollment_a2.badge_token,
        session=session,
        enrollment=w.enrollment_a2,
        device="phone-1",
        operator=w.trainer,
        scanned_at=at,
        result="session_closed",
    )

    w.import_batch = ImportBatch.objects.create(
        training_class=klass,
        organisation=a,
        uploaded_by=w.nominator_a,
        filename="ds-muong-te.xlsx",
        content=import_xlsx([IMPORTED_A]),
    )

    # Materials: a public handbook used in class A, printed and sent to unit A.
    w.material = material_services.material_save(
        actor=w.coordinator,
        material=Material(
            title="Sổ tay thông tin đối ngoại", kind="handbook", year=2023, visibility="public"
        ),
    )
    w.edition = material_services.edition_create(
        actor=w.coordinator,
        edition=Edition(material=w.material, label="In lần 1", year=2023, printed_copies=100),
        languages=[Language.objects.get(code="vi")],
        uploads=[SimpleUploadedFile("so-tay.pdf", pdf_bytes("so tay"), "application/pdf")],
    )
    w.material_file = MaterialFile.objects.get(edition=w.edition)
    # Not yet used in class A: what the coordinator attaches.
    material_services.edition_create(
        actor=w.coordinator,
        edition=Edition(material=w.material, label="In lần 2", year=2024, printed_copies=50),
        languages=[Language.objects.get(code="vi")],
    )
    w.class_material = ClassMaterial.objects.create(
        training_class=klass, edition=w.edition, added_by=w.coordinator
    )
    # Withdrawn: what the coordinator may restore.
    w.withdrawn_edition = material_services.edition_create(
        actor=w.coordinator,
        edition=Edition(material=w.material, label="In lần 0 (lỗi)", year=2023),
        languages=[Language.objects.get(code="vi")],
        uploads=[SimpleUploadedFile("loi.pdf", pdf_bytes("loi"), "application/pdf")],
    )
    w.withdrawn_file = material_services.file_withdraw(
        actor=w.coordinator, file=w.withdrawn_edition.files.get(), reason="Tải nhầm"
    )
    bilingual = material_services.edition_create(
        actor=w.coordinator,
        edition=Edition(material=w.material, label="Song ngữ", year=2023),
        languages=[Language.objects.get(code="vi")],
    )
    w.withdrawn_class_material = material_services.class_material_withdraw(
        actor=w.coordinator,
        class_material=material_services.class_material_add(
            actor=w.coordinator, training_class=klass, edition=bilingual
        ),
        reason="Phát nhầm",
    )
    material_services.edition_withdraw(
        actor=w.coordinator, edition=w.withdrawn_edition, reason="Trùng"
    )
    material_services.handovers_update(
        actor=w.coordinator,
        class_material=w.class_material,
        ticked=[w.enrollment_a.pk],
        unticked=[],
    )
    (w.line,) = material_services.distribution_plan(
        actor=w.coordinator, edition=w.edition, quantities={a: 10}
    )
    w.dispatch = material_services.dispatch_record(
        actor=w.coordinator,
        line=w.line,
        dispatched_on=timezone.localdate() - datetime.timedelta(days=3),
        quantity=4,
        carrier="Bưu điện",
    )
    w.dispatch = material_services.receipt_record(
        actor=w.coordinator,
        dispatch=w.dispatch,
        received_on=timezone.localdate() - datetime.timedelta(days=1),
        received_by="Văn thư huyện",
        received_quantity=4,
        scan=SimpleUploadedFile("bien-nhan.pdf", pdf_bytes("bien nhan"), "application/pdf"),
    )

    # Reports: allowance rates, and a full-year workbook that unit B asked for.
    ClassAllowance.objects.create(
        training_class=klass, meal_per_day=150_000, lodging_per_night=300_000
    )
    w.report_job = ReportJob.objects.create(
        kind="year", params={"year": w.year}, requested_by=w.nominator_b
    )
    run_report_job.call(w.report_job.pk)
    w.report_job.refresh_from_db()

    _evaluation_world(w)
    # issue 18: i18-stats — class A's evaluation (the default template): A1's online form
    # and a typed paper form, each with a comment, so that the statistics pages and the
    # evaluation reports have figures (and words) to show — and to be searched for names.
    # Opened by _evaluation_world above (evaluation_open returns the open one).
    from evaluation import services as evaluation_services

    evaluation = evaluation_services.evaluation_open(actor=w.coordinator, training_class=klass)
    every = {i: 3 for i in evaluation.indicators().values_list("pk", flat=True)}
    first_section = evaluation.sections.first().pk
    evaluation_services.response_submit(
        evaluation=evaluation,
        enrollment=w.enrollment_a,
        answers=every,
        comments={first_section: "Nên có thêm tài liệu song ngữ"},
    )
    batch = evaluation_services.paper_forms_reserve(
        actor=w.coordinator, evaluation=evaluation, count=2
    )
    evaluation_services.response_enter_paper(
        actor=w.coordinator,
        evaluation=evaluation,
        number=batch.first_number,
        answers=dict.fromkeys(every, 5),
        comments={first_section: "Lớp học bổ ích"},
    )

    w.names_a = [p.full_name for p in people_a] + [IMPORTED_A[0]]
    w.names_b = [PERSON_B1[0], DRAFT_B[0], PERSON_C1[0], HELD_B[0]]
    w.names_class_a = [*w.names_a, PERSON_B1[0], DRAFT_B[0]]
    w.names_not_enrolled = [PERSON_A4[0], PERSON_A5[0], IMPORTED_A[0], DRAFT_B[0]]
    return w


# issue 18: i18-survey
#: A comment in A2's evaluation form: no page, export or document may ever show it (forms
#: are anonymous; tests/security/test_evaluation_anonymity.py looks for it everywhere).
SECRET_COMMENT = "Ý kiến riêng 7Q4Z của một học viên"


def _evaluation_world(w: SecurityWorld) -> None:
    """Class A's evaluation is open; A2 answered online (with SECRET_COMMENT); two paper
    forms are printed, none typed in. A1 has not answered: the matrix opens A1's form."""
    from evaluation import services as evaluation_services

    w.evaluation = evaluation_services.evaluation_open(
        actor=w.coordinator, training_class=w.class_a
    )
    evaluation_services.response_submit(
        evaluation=w.evaluation,
        enrollment=w.enrollment_a2,
        answers={pk: 2 for pk in w.evaluation.indicators().values_list("pk", flat=True)},
        comments={w.evaluation.sections.first().pk: SECRET_COMMENT},
    )
    w.paper_batch = evaluation_services.paper_forms_reserve(
        actor=w.coordinator, evaluation=w.evaluation, count=2
    )


# Tables nobody writes to at run time: left out of the before/after comparison.
_STATIC_TABLES = {"contenttypes.ContentType", "auth.Permission"}


def db_snapshot() -> dict[str, list]:
    """Every row of every table but the static ones: the world is small. Login sessions
    are included: a refused request must not even log anybody in or out."""
    from django.apps import apps

    snapshot = {}
    for model in apps.get_models():
        if model._meta.label in _STATIC_TABLES:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        snapshot[model._meta.label] = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows
        ]
    return snapshot


PERSONAS_LOGGED_IN = [
    "outsider",
    "nominator_a",
    "nominator_b",
    "other_trainer",
    "trainer",
    "viewer",
    "coordinator",
]
