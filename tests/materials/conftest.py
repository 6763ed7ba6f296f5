import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen.canvas import Canvas


def pdf_bytes(text: str = "Sổ tay") -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)  # same text, same bytes
    canvas.drawString(72, 720, text.encode("ascii", "ignore").decode() or "x")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def languages():
    from materials.models import Language

    return {lang.code: lang for lang in Language.objects.all()}


@pytest.fixture
def handbook(world, languages):
    """A handbook with its Vietnamese edition (one PDF)."""
    from materials import services
    from materials.models import Edition, Material

    material = services.material_save(
        actor=world.coordinator,
        material=Material(title="Sổ tay nghiệp vụ biên giới", kind="handbook", year=2023),
    )
    services.edition_create(
        actor=world.coordinator,
        edition=Edition(
            material=material, label="Tiếng Việt, in lần 1", year=2023, printed_copies=300
        ),
        languages=[languages["vi"]],
        uploads=[upload("Sổ tay (tiếng Việt).pdf", pdf_bytes("vi"))],
    )
    return material
