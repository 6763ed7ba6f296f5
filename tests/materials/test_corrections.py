"""Correcting the catalogue (issue 15, item 6): the coordinator edits an edition and
withdraws a file, an edition or a class's material, with a reason and a confirmation;
withdrawn rows leave the library, downloads, hand-outs, the Ministry package and the
totals, while hand-outs and dispatches already recorded keep their records. Edition
names are compared with case and spacing aside, in the form and in the database."""

import datetime
import importlib
import io
import json
import uuid
import zipfile

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import AuditLog, Organisation
from materials import distribution, services
from materials.export import ministry_package_zip
from materials.models import (
    ClassMaterial,
    Dispatch,
    Download,
    Edition,
    Handover,
    Material,
    MaterialFile,
)
from tests import factories as f
from tests.materials.conftest import pdf_bytes, upload

pytestmark = pytest.mark.django_db

VI = "Tiếng Việt, in lần 1"


@pytest.fixture
def edition(handbook):
    return handbook.editions.get()


@pytest.fixture
def hmong(world, handbook, languages):
    return services.edition_create(
        actor=world.coordinator,
        edition=Edition(material=handbook, label="Tiếng Mông", year=2023, printed_copies=80),
        languages=[languages["hmn"] if "hmn" in languages else languages["vi"]],
        uploads=[upload("Sổ tay (tiếng Mông).pdf", pdf_bytes("hmong"))],
    )


def _withdraw(client, url, reason="Tải nhầm tệp"):
    return client.post(url, {"confirm": "yes", "reason": reason})


# ---------------------------------------------------------------------------- edit


def test_coordinator_edits_an_edition_and_it_is_audited(client, world, handbook, edition):
    client.force_login(world.coordinator)
    url = reverse("materials:edition-edit", args=[edition.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert VI in page.content.decode()
    response = client.post(
        url,
        {
            "label": "  Tiếng Việt,   in lần 2 ",
            "languages": [lang.pk for lang in edition.languages.all()],
            "year": 2024,
            "printed_copies": 250,
        },
    )
    assert response.status_code == 302
    edition.refresh_from_db()
    assert (edition.label, edition.year, edition.printed_copies) == (
        "Tiếng Việt, in lần 2",
        2024,
        250,
    )
    log = AuditLog.objects.get(action="material.edition_update")
    assert log.actor == world.coordinator
    assert log.changes["label"] == [VI, "Tiếng Việt, in lần 2"]
    assert log.changes["printed_copies"] == [300, 250]
    assert "languages" not in log.changes  # unchanged, not logged


@pytest.mark.parametrize("persona", ["viewer", "nominator_a", "trainer"])
def test_only_the_coordinator_edits_or_withdraws(client, world, edition, persona):
    client.force_login(getattr(world, persona))
    for name in ("edition-edit", "edition-withdraw", "file-withdraw"):
        pk = edition.files.get().pk if name == "file-withdraw" else edition.pk
        assert client.get(reverse(f"materials:{name}", args=[pk])).status_code == 403
    assert not Edition.objects.filter(withdrawn_at__isnull=False).exists()


def test_copies_printed_cannot_fall_below_copies_sent(world, edition):
    unit = Organisation.objects.exclude(kind="ministry").first()
    services.distribution_plan(actor=world.coordinator, edition=edition, quantities={unit: 40})
    line = edition.distribution.get()
    services.dispatch_record(
        actor=world.coordinator,
        line=line,
        dispatched_on=timezone.localdate(),
        quantity=40,
        carrier="Bưu điện",
    )
    edition.printed_copies = 30
    with pytest.raises(services.ValidationError) as exc:
        services.edition_update(
            actor=world.coordinator, edition=edition, languages=edition.languages.all()
        )
    assert "40" in str(exc.value)
    assert Edition.objects.get(pk=edition.pk).printed_copies == 300


# ---------------------------------------------------------------------------- names


def test_a_name_differing_in_case_and_spacing_is_refused_by_the_form(
    client, world, handbook, languages
):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("materials:edition-create", args=[handbook.pk]),
        {
            "label": "tiếng việt,  in lần 1 ",
            "languages": [languages["vi"].pk],
            "year": 2023,
            "printed_copies": 300,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    # Beside the field, naming the edition already there.
    assert "Tài liệu này đã có phiên bản “Tiếng Việt, in lần 1”" in body
    assert handbook.editions.count() == 1


def test_the_edit_form_refuses_another_editions_name(client, world, handbook, hmong):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("materials:edition-edit", args=[hmong.pk]),
        {
            "label": "TIẾNG VIỆT, IN LẦN 1",
            "languages": [lang.pk for lang in hmong.languages.all()],
            "year": 2023,
            "printed_copies": 80,
        },
    )
    assert response.status_code == 200
    assert "đã có phiên bản “Tiếng Việt, in lần 1”" in response.content.decode()
    hmong.refresh_from_db()
    assert hmong.label == "Tiếng Mông"


def test_the_database_refuses_a_name_differing_in_case_and_spacing(handbook):
    # Capitals outside ASCII too ("Ế", "Ầ"): SQLite's LOWER() would not fold them.
    with pytest.raises(IntegrityError), transaction.atomic():
        Edition.objects.create(material=handbook, label="TIẾNG VIỆT,  IN LẦN 1 ", year=2023)
    assert handbook.editions.count() == 1


def test_a_withdrawn_editions_name_can_be_used_again_but_not_restored_twice(world, edition):
    services.edition_withdraw(actor=world.coordinator, edition=edition, reason="Tải nhầm")
    again = Edition.objects.create(
        material=edition.material, label="tiếng việt, in lần 1", year=2023
    )
    assert again.label_key == edition.label_key
    with pytest.raises(services.ValidationError) as exc:
        services.edition_restore(actor=world.coordinator, edition=edition)
    assert "tiếng việt, in lần 1" in str(exc.value)


def test_the_migration_withdraws_existing_duplicates(world, handbook, edition):
    """Rows saved before the key existed: the later namesake is withdrawn with a reason
    naming the edition kept, and its label cleaned."""
    twin = Edition.objects.create(material=handbook, label="placeholder", year=2023)
    # As the old code left it: spaces and capitals differ, no key yet.
    Edition.objects.filter(pk=twin.pk).update(label="tiếng việt,  in lần 1 ", label_key="?1")
    Edition.objects.filter(pk=edition.pk).update(label_key="?2")
    migration = importlib.import_module(
        "materials.migrations.0003_withdrawal_and_edition_label_key"
    )
    migration.fill_keys_and_withdraw_duplicates(apps, None)
    edition.refresh_from_db()
    twin.refresh_from_db()
    assert edition.withdrawn_at is None and edition.label_key == "tiếng việt, in lần 1"
    assert twin.withdrawn_at is not None
    assert twin.label == "tiếng việt, in lần 1"
    assert "“Tiếng Việt, in lần 1”" in twin.withdrawn_reason


# ---------------------------------------------------------------------------- withdraw a file


def test_withdrawing_a_file_asks_for_confirmation_and_a_reason(client, world, edition):
    client.force_login(world.coordinator)
    row = edition.files.get()
    url = reverse("materials:file-withdraw", args=[row.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="confirm-button"' in body and "Lý do thu hồi" in body
    # Without the confirmation, or without a reason: nothing happens.
    client.post(url, {"reason": "Tải nhầm"})
    response = client.post(url, {"confirm": "yes", "reason": "  "})
    assert response.status_code == 200
    assert "Hãy nêu lý do thu hồi." in response.content.decode()
    row.refresh_from_db()
    assert row.withdrawn_at is None
    assert _withdraw(client, url).status_code == 302
    row.refresh_from_db()
    assert row.is_withdrawn and row.withdrawn_by == world.coordinator
    assert row.withdrawn_reason == "Tải nhầm tệp"
    log = AuditLog.objects.get(action="material.file_withdraw")
    assert log.changes["name"] == row.original_name and log.changes["reason"] == "Tải nhầm tệp"


def test_a_withdrawn_file_is_gone_for_units_and_the_public(client, world, handbook, edition):
    row = edition.files.get()
    services.file_withdraw(actor=world.coordinator, file=row, reason="Tải nhầm")
    url = reverse("materials:file", args=[row.pk])
    assert client.get(url).status_code == 404  # the public
    client.force_login(world.nominator_a)  # a unit officer
    assert client.get(url).status_code == 404
    item = client.get(reverse("materials:library-item", args=[handbook.pk])).content.decode()
    assert row.original_name not in item
    # The coordinator can still open it to check, without counting a download.
    client.force_login(world.coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert not Download.objects.exists()


def test_a_withdrawn_file_can_be_restored(client, world, edition):
    row = edition.files.get()
    services.file_withdraw(actor=world.coordinator, file=row, reason="Nhầm")
    client.force_login(world.coordinator)
    response = client.post(reverse("materials:file-restore", args=[row.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert not row.is_withdrawn
    assert AuditLog.objects.get(action="material.file_restore").changes["reason"] == "Nhầm"


def test_a_withdrawn_file_can_be_uploaded_again(world, edition):
    row = edition.files.get()
    services.file_withdraw(actor=world.coordinator, file=row, reason="Sai phiên bản")
    again = services.files_add(
        actor=world.coordinator,
        edition=edition,
        uploads=[upload("Sổ tay (tiếng Việt).pdf", pdf_bytes("vi"))],
    )
    assert len(again) == 1 and again[0].sha256 == row.sha256


# ---------------------------------------------------------------------------- withdraw an edition


def test_a_withdrawn_edition_leaves_the_library(client, world, handbook, edition):
    client.force_login(world.coordinator)
    url = reverse("materials:edition-withdraw", args=[edition.pk])
    page = client.get(url).content.decode()
    assert "Thu hồi phiên bản “Tiếng Việt, in lần 1”?" in page
    assert _withdraw(client, url, "Trùng với bản đã nhập").status_code == 302
    edition.refresh_from_db()
    assert edition.is_withdrawn
    assert AuditLog.objects.filter(action="material.edition_withdraw").count() == 1
    client.logout()
    library = client.get(reverse("materials:library")).content.decode()
    assert handbook.title not in library  # its only edition is withdrawn
    assert client.get(reverse("materials:library-item", args=[handbook.pk])).status_code == 404
    assert client.get(reverse("materials:file", args=[edition.files.get().pk])).status_code == 404


def test_the_library_keeps_a_material_with_a_current_edition(
    client, world, handbook, edition, hmong
):
    services.edition_withdraw(actor=world.coordinator, edition=edition, reason="Nhầm")
    item = client.get(reverse("materials:library-item", args=[handbook.pk])).content.decode()
    assert "Tiếng Mông" in item
    assert VI not in item
    assert "Sổ tay (tiếng Việt).pdf" not in item


def test_a_withdrawn_edition_is_not_in_the_ministry_package(world, handbook, edition, hmong):
    services.edition_withdraw(actor=world.coordinator, edition=edition, reason="Trùng")
    services.file_withdraw(actor=world.coordinator, file=hmong.files.get(), reason="Bản chưa duyệt")
    services.files_add(
        actor=world.coordinator,
        edition=hmong,
        uploads=[upload("Sổ tay (bản duyệt).pdf", pdf_bytes("duyet"))],
    )
    out = io.BytesIO()
    assert ministry_package_zip(2023, out) == 1
    archive = zipfile.ZipFile(out)
    names = [name.rsplit("/", 1)[-1] for name in archive.namelist()]
    assert "Sổ tay (bản duyệt).pdf" in names
    assert "Sổ tay (tiếng Việt).pdf" not in names  # the withdrawn edition's file
    assert "Sổ tay (tiếng Mông).pdf" not in names  # a withdrawn file
    sheet = load_workbook(io.BytesIO(archive.read("danh-muc-tai-lieu-2023.xlsx"))).active
    cells = {c for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert "Tiếng Mông" in cells
    assert VI not in cells


def test_withdrawn_editions_leave_the_catalogue_totals_unless_sent(world, edition, hmong):
    assert set(distribution.distributed_editions(2023)) == {edition, hmong}
    services.edition_withdraw(actor=world.coordinator, edition=hmong, reason="Trùng")
    assert set(distribution.distributed_editions(2023)) == {edition}
    # Sent before the withdrawal: stays in the totals, as history.
    unit = Organisation.objects.exclude(kind="ministry").first()
    services.distribution_plan(actor=world.coordinator, edition=edition, quantities={unit: 10})
    services.dispatch_record(
        actor=world.coordinator,
        line=edition.distribution.get(),
        dispatched_on=timezone.localdate(),
        quantity=10,
        carrier="Bưu điện",
    )
    services.edition_withdraw(actor=world.coordinator, edition=edition, reason="Sai tên")
    totals = distribution.totals(distribution.distributed_editions(2023))
    assert [row.edition for row in totals.editions] == [edition]
    assert totals.grand.sent == 10
    assert Dispatch.objects.count() == 1
    with pytest.raises(services.ValidationError):
        services.dispatch_record(
            actor=world.coordinator,
            line=edition.distribution.get(),
            dispatched_on=timezone.localdate(),
            quantity=1,
            carrier="Bưu điện",
        )


def test_the_years_report_leaves_out_a_withdrawn_duplicate(world, edition, hmong):
    from reports.results import results_figures

    before = results_figures(2023, world.coordinator).materials
    assert before.printed == 380 and len(before.editions) == 2
    services.edition_withdraw(actor=world.coordinator, edition=hmong, reason="Trùng")
    after = results_figures(2023, world.coordinator).materials
    assert after.printed == 300
    assert [e.edition for e in after.editions] == [edition]


# ---------------------------------------------------------------------------- a class's material


@pytest.fixture
def handed(world, edition):
    cm = services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=edition
    )
    people = [
        f.enrollment(world.class_a, world.unit_a, f.participant(world.unit_a, full_name=name))
        for name in ("Lò Văn Ánh", "Vàng Thị Dợ", "Giàng A Sử")
    ]
    services.handovers_update(
        actor=world.coordinator, class_material=cm, ticked=[p.pk for p in people[:2]], unticked=[]
    )
    return cm, people


def test_hand_outs_are_kept_when_the_class_material_is_withdrawn(client, world, handed):
    cm, people = handed
    code = world.class_a.code
    client.force_login(world.coordinator)
    url = reverse("materials:class-material-withdraw", args=[code, cm.pk])
    page = client.get(url).content.decode()
    assert "2 lượt phát đã ghi nhận vẫn được lưu" in page
    assert _withdraw(client, url, "Phát nhầm tài liệu").status_code == 302
    assert Handover.objects.filter(class_material=cm).count() == 2
    cm.refresh_from_db()
    assert cm.is_withdrawn
    assert AuditLog.objects.get(action="material.detach").changes["handed_out"] == 2
    listing = client.get(reverse("materials:class-materials", args=[code])).content.decode()
    assert f'data-class-material="{cm.pk}"' not in listing  # not among those handed out
    assert f'data-withdrawn-material="{cm.pk}"' in listing  # but listed as history
    # No new hand-outs: not by the list, not by the scanner.
    client.post(
        reverse("materials:class-material", args=[code, cm.pk]),
        {"enrollment": [people[2].pk]},
    )
    assert Handover.objects.filter(class_material=cm).count() == 2
    client.force_login(world.trainer)
    assert client.get(reverse("materials:handout-scanner", args=[cm.pk])).status_code == 404
    assert client.get(reverse("materials:handout-roster", args=[cm.pk])).status_code == 404


def test_scans_made_before_the_withdrawal_still_upload(client, world, handed):
    cm, people = handed
    before = timezone.now() - datetime.timedelta(minutes=5)
    services.class_material_withdraw(actor=world.coordinator, class_material=cm, reason="Nhầm")
    client.force_login(world.trainer)
    response = client.post(
        reverse("materials:handout-batch", args=[cm.pk]),
        json.dumps(
            {
                "device": "phone-1",
                "scans": [
                    {
                        "token": people[2].badge_token,
                        "nonce": str(uuid.uuid4()),
                        "scanned_at": before.isoformat(),
                    },
                    {
                        "token": people[2].badge_token,
                        "nonce": str(uuid.uuid4()),
                        "scanned_at": timezone.now().isoformat(),
                    },
                ],
            }
        ),
        content_type="application/json",
    )
    results = response.json()["results"]
    assert results[0]["result"] == "handed"  # scanned at the door before the withdrawal
    assert results[1]["result"] == "invalid"  # scanned after it
    assert Handover.objects.filter(class_material=cm).count() == 3


def test_a_scan_after_the_withdrawal_is_refused(client, world, handed):
    cm, people = handed
    services.edition_withdraw(actor=world.coordinator, edition=cm.edition, reason="Nhầm")
    client.force_login(world.trainer)
    response = client.post(
        reverse("materials:handout-batch", args=[cm.pk]),
        json.dumps(
            {
                "device": "phone-1",
                "scans": [
                    {
                        "token": people[2].badge_token,
                        "nonce": str(uuid.uuid4()),
                        "scanned_at": timezone.now().isoformat(),
                    }
                ],
            }
        ),
        content_type="application/json",
    )
    [result] = response.json()["results"]
    assert result["result"] == "invalid"
    assert "thu hồi" in result["reason"]
    assert Handover.objects.filter(class_material=cm).count() == 2


def test_attaching_again_restores_the_same_row_with_its_hand_outs(world, handed):
    cm, _people = handed
    services.class_material_withdraw(actor=world.coordinator, class_material=cm, reason="Nhầm")
    again = services.class_material_add(
        actor=world.coordinator, training_class=world.class_a, edition=cm.edition
    )
    assert again.pk == cm.pk and not again.is_withdrawn
    assert again.handovers.count() == 2
    assert ClassMaterial.objects.count() == 1


def test_a_withdrawn_edition_cannot_be_attached(world, edition):
    services.edition_withdraw(actor=world.coordinator, edition=edition, reason="Nhầm")
    from materials.forms import ClassMaterialForm

    form = ClassMaterialForm(training_class=world.class_b)
    assert edition not in form.fields["edition"].queryset
    with pytest.raises(services.ValidationError):
        services.class_material_add(
            actor=world.coordinator, training_class=world.class_b, edition=edition
        )


def test_the_material_page_shows_withdrawn_rows_with_their_reason(client, world, handbook, edition):
    services.edition_withdraw(actor=world.coordinator, edition=edition, reason="Trùng tên")
    client.force_login(world.viewer)
    body = client.get(reverse("materials:material-detail", args=[handbook.pk])).content.decode()
    assert "Đã thu hồi" in body and "Trùng tên" in body
    assert reverse("materials:edition-restore", args=[edition.pk]) not in body  # viewer
    client.force_login(world.coordinator)
    body = client.get(reverse("materials:material-detail", args=[handbook.pk])).content.decode()
    assert reverse("materials:edition-restore", args=[edition.pk]) in body


def test_the_admin_shows_the_withdrawn_state(admin_client, world, handbook, edition):
    services.edition_withdraw(actor=world.coordinator, edition=edition, reason="Trùng tên")
    body = admin_client.get(reverse("admin:materials_material_changelist")).content.decode()
    assert reverse("materials:material-detail", args=[handbook.pk]) in body
    page = admin_client.get(reverse("admin:materials_material_change", args=[handbook.pk]))
    assert page.status_code == 200
    assert "Trùng tên" in page.content.decode()
    assert Material.objects.count() == 1 and MaterialFile.objects.count() == 1
