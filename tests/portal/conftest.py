"""A participant of class A with a bit of everything on their page: five sessions (present,
late, excused, closed without a mark, and one still to come), materials in Vietnamese and
in their own language, a withdrawn attachment and another class's material; and a
classmate whose name must never appear on it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from attendees.models import Attendance, Enrollment, Ethnicity
from materials import services as material_services
from materials.models import ClassMaterial, Edition, Language, Material, MaterialFile
from tests import factories as f
from tests.security.world import pdf_bytes

CITIZEN_ID = "012191730418"
PHONE = "+84355410130"


@dataclass
class Portal:
    world: object
    enrollment: Enrollment  # Giàng Thị Dinh (Mông), class A
    classmate: Enrollment  # Khoàng Văn Quyết, class A
    sessions: list  # present, late, excused, absent (closed, no mark), not held yet
    file_vi: MaterialFile  # handbook, Vietnamese edition
    file_hmn: MaterialFile  # handbook, Hmong edition
    file_other_vi: MaterialFile  # a bulletin in Vietnamese only
    file_withdrawn_use: MaterialFile  # attached to class A, then withdrawn from it
    file_withdrawn: MaterialFile  # a withdrawn file of the Vietnamese edition
    file_other_class: MaterialFile  # class B's material

    @property
    def token(self) -> str:
        return self.enrollment.page_token


def _edition(actor, material, label, codes, name):
    return material_services.edition_create(
        actor=actor,
        edition=Edition(material=material, label=label, year=2023),
        languages=Language.objects.filter(code__in=codes),
        uploads=[SimpleUploadedFile(name, pdf_bytes(name), "application/pdf")],
    )


def _material(actor, title, kind="handbook"):
    return material_services.material_save(
        actor=actor, material=Material(title=title, kind=kind, year=2023, visibility="public")
    )


@pytest.fixture
def portal(world) -> Portal:
    klass = world.class_a
    klass.sessions.all().delete()
    coordinator = world.coordinator
    person = f.participant(
        world.unit_a,
        full_name="Giàng Thị Dinh",
        gender="female",
        date_of_birth=datetime.date(1991, 3, 4),
        citizen_id=CITIZEN_ID,
        phone=PHONE,
        ethnicity=Ethnicity.objects.get(name="Mông"),
    )
    enrollment = f.enrollment(klass, world.unit_a, person)
    classmate = f.enrollment(
        klass, world.unit_a, f.participant(world.unit_a, full_name="Khoàng Văn Quyết")
    )
    second = f.venue(name="Nhà văn hoá bản Mạ", address="xã Ka Lăng")
    # The class runs on into next month: its last session is still to come.
    future = timezone.localdate() + datetime.timedelta(days=30)
    klass.end_date = future
    klass.save(update_fields=["end_date"])
    sessions = [
        f.session(klass, date=klass.start_date, topic="Khai mạc; tổng quan, mục tiêu"),
        f.session(
            klass,
            date=klass.start_date,
            start_time=datetime.time(13, 30),
            end_time=datetime.time(17, 0),
            topic="Kỹ năng viết tin",
        ),
        f.session(klass, date=klass.start_date + datetime.timedelta(days=1), topic="Ảnh báo chí"),
        f.session(
            klass,
            date=klass.start_date + datetime.timedelta(days=2),
            topic="Thực hành tại cơ sở",
            venue=second,
        ),
        f.session(klass, date=future, topic="Tổng kết"),
    ]
    for session, status in zip(sessions[:3], ("present", "late", "excused"), strict=True):
        at = session.starts_at() if status != "excused" else None
        Attendance.objects.create(
            enrollment=enrollment, session=session, status=status, first_scan_at=at
        )
    # The classmate was there at the fourth session: a roll was taken, so the person's
    # missing mark there means absent once it is closed.
    Attendance.objects.create(
        enrollment=classmate,
        session=sessions[3],
        status="present",
        first_scan_at=sessions[3].starts_at(),
    )
    for session in sessions[:4]:
        session.closed_at = timezone.now()
        session.save(update_fields=["closed_at"])

    # "Bản tin" sorts before "Sổ tay": the handbook comes first only for its Hmong edition.
    bulletin = _material(coordinator, "Bản tin đối ngoại số 1", kind="bulletin_text")
    other_vi = _edition(coordinator, bulletin, "Tiếng Việt", ["vi"], "ban-tin.pdf")
    handbook = _material(coordinator, "Sổ tay thông tin đối ngoại")
    vi = _edition(coordinator, handbook, "Tiếng Việt", ["vi"], "so-tay.pdf")
    hmn = _edition(coordinator, handbook, "Tiếng Mông", ["hmn"], "so-tay-hmong.pdf")
    gone = _edition(
        coordinator, _material(coordinator, "Tài liệu rút lại"), "Bản 1", ["vi"], "rut.pdf"
    )
    for edition in (other_vi, vi, hmn, gone):
        ClassMaterial.objects.create(training_class=klass, edition=edition, added_by=coordinator)
    material_services.class_material_withdraw(
        actor=coordinator,
        class_material=ClassMaterial.objects.get(training_class=klass, edition=gone),
        reason="Nhầm lớp",
    )
    # A second file of the Vietnamese edition, withdrawn.
    extra = _edition(coordinator, handbook, "Bản nháp", ["vi"], "nhap.pdf")
    withdrawn = material_services.file_withdraw(
        actor=coordinator, file=extra.files.get(), reason="Tải nhầm"
    )
    ClassMaterial.objects.create(training_class=klass, edition=extra, added_by=coordinator)
    other_class = _edition(
        coordinator, _material(coordinator, "Tài liệu lớp khác"), "Bản 1", ["vi"], "khac.pdf"
    )
    ClassMaterial.objects.create(
        training_class=world.class_b, edition=other_class, added_by=coordinator
    )
    return Portal(
        world=world,
        enrollment=enrollment,
        classmate=classmate,
        sessions=sessions,
        file_vi=vi.files.get(),
        file_hmn=hmn.files.get(),
        file_other_vi=other_vi.files.get(),
        file_withdrawn_use=gone.files.get(),
        file_withdrawn=withdrawn,
        file_other_class=other_class.files.get(),
    )
