"""Badges: what poppler reads out of the PDFs, and what jsQR (the
browser's decoder) reads out of their QR codes."""

from __future__ import annotations

import datetime
import html
import re
import subprocess
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from attendees.badges import (
    BADGE_HEIGHT,
    BADGE_WIDTH,
    BADGES_PER_PAGE,
    PAGE_SIZE,
    QR_SIZE,
    TOKEN_TAIL,
    badge_box,
    badge_qr_box,
    badges_pdf,
)
from attendees.models import Enrollment, new_badge_token
from core.documents.fitting import fit_name
from core.documents.header import register_fonts
from tests import factories as f
from tests.browser.camera import (
    Y4M_FRAME,
    decode_qr_with_jsqr,
    qr_png_from_badges_pdf,
    render_pdf_page,
    write_y4m,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

NAMES = [
    ("Nguyễn Thị Hường", "female"),
    ("Vừ A Dính", "male"),
    ("Đặng Thị Ánh", "female"),
    ("Lò Văn Ửng", "male"),
    ("Hoàng Thị Phương Thảo Nguyên", "female"),
    ("Giàng Seo Phử", "male"),
    ("Tòng Văn Ước", "male"),
    ("Lường Thị Mỹ", "female"),
    ("Phàn Láo Sử", "male"),
    ("Nguyễn Ngọc Trường Sơn Quốc Khánh", "male"),
]

TOPICS = [
    "Khai giảng; tổng quan công tác thông tin đối ngoại",
    "Kỹ năng viết tin, bài về khu vực biên giới",
    "Thực hành: đưa tin trên cổng thông tin điện tử; bế giảng",
]


# ---------------------------------------------------------------------------- helpers


def _run(args: list[str]) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_file(pdf: bytes, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def page_count(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run(["pdfinfo", str(path)]), re.M).group(1))


def text_in_box(path: Path, page: int, box: tuple[float, float, float, float]) -> str:
    """Text inside a box given in points from the page's bottom-left, whitespace collapsed."""
    x0, y0, x1, y1 = box
    top = PAGE_SIZE[1] - y1
    out = _run(
        [
            *("pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", "-r", "72"),
            *("-x", str(int(x0)), "-y", str(int(top))),
            *("-W", str(int(x1 - x0)), "-H", str(int(y1 - y0))),
            *(str(path), "-"),
        ]
    )
    return " ".join(out.split())


def words_with_boxes(path: Path, page: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(word, (x0, y0, x1, y1) in points from the bottom-left) of every word on ``page``."""
    out = _run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"])
    height = PAGE_SIZE[1]
    return [
        (html.unescape(w), (float(x0), height - float(y1), float(x1), height - float(y0)))
        for x0, y0, x1, y1, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            out,
        )
    ]


def assert_only_embedded_plex(path: Path) -> None:
    lines = _run(["pdffonts", str(path)]).splitlines()[2:]
    assert lines, "no fonts at all?"
    for line in lines:
        name, emb = line.split()[0], line.split()[-5]
        assert "IBMPlexSerif" in name, line
        assert emb == "yes", line


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def enrollments(world) -> list[Enrollment]:
    klass = world.class_a
    klass.title = (
        "Bồi dưỡng nghiệp vụ công tác thông tin tuyên truyền, thông tin đối ngoại khu vực "
        "biên giới — Lớp 3 — huyện Mường Tè, Nậm Nhùn"
    )
    klass.save()
    unit_long = f.organisation(
        name="Ban Chỉ huy Đồn Biên phòng Cửa khẩu Quốc tế Ma Lù Thàng, Bộ đội Biên phòng tỉnh",
        code="BPML",
    )
    people = []
    for n, (name, gender) in enumerate(NAMES):
        unit = unit_long if n == 4 else world.unit_a
        person = f.participant(
            unit,
            full_name=name,
            gender=gender,
            # Province 012, sex/century digit, born (19)90 as the factory's date of birth.
            citizen_id=f"012{1 if gender == 'female' else 0}90{n + 1:06d}",
        )
        nomination = f.nomination(klass, unit, "a" if n % 2 else "c", person, state="approved")
        people.append(
            Enrollment.objects.create(
                nomination=nomination,
                training_class=klass,
                participant=person,
                organisation=unit,
                category=nomination.category,
            )
        )
    return people


@pytest.fixture
def class_with_sessions(world):
    klass = world.class_a
    organiser = klass.organiser
    organiser.name = "Sở Thông tin và Truyền thông tỉnh Lai Châu"
    organiser.place = "Lai Châu"
    organiser.parent = f.organisation(
        name="Ủy ban nhân dân tỉnh Lai Châu", kind="province_ubnd", can_nominate=False
    )
    organiser.save()
    klass.title = "Bồi dưỡng nghiệp vụ công tác thông tin đối ngoại khu vực biên giới — Lớp 3"
    klass.save()
    world.session_a.topic = TOPICS[0]
    world.session_a.save()
    f.session(
        klass, start_time=datetime.time(13, 30), end_time=datetime.time(17, 0), topic=TOPICS[1]
    )
    f.session(klass, date=klass.end_date, topic=TOPICS[2])
    return klass


# ---------------------------------------------------------------------------- badges


def test_badges_pdf_names_fonts_and_layout(enrollments, world, tmp_path):
    pdf = badges_pdf(world.class_a, enrollments)
    path = pdf_file(pdf, tmp_path, "badges.pdf")

    assert pdf.startswith(b"%PDF")
    assert page_count(path) == 2
    assert_only_embedded_plex(path)

    for i, enrollment in enumerate(enrollments):
        page = i // BADGES_PER_PAGE + 1
        text = text_in_box(path, page, badge_box(i))
        # Each badge, in the order given, carries its own person, exactly as spelt.
        assert enrollment.participant.full_name in text, (i, text)
        assert world.class_a.code in text
        assert f"Đối tượng {enrollment.category.code})" in text
        compact = "".join(text.split())
        assert "".join(enrollment.organisation.name.split())[:30] in compact
        assert enrollment.badge_token[-TOKEN_TAIL:] in compact
    # Names are not cut off: the longest ones still read whole.
    whole = text_in_box(path, 1, (0, 0, *PAGE_SIZE))
    assert "Hoàng Thị Phương Thảo Nguyên" in whole

    # No text runs into a QR code or out of its badge.
    for page in (1, 2):
        on_page = enrollments[(page - 1) * BADGES_PER_PAGE : page * BADGES_PER_PAGE]
        qr_boxes = [badge_qr_box(i) for i in range(len(on_page))]
        badges = [badge_box(i) for i in range(len(on_page))]
        for word, box in words_with_boxes(path, page):
            assert not any(overlaps(box, qr) for qr in qr_boxes), (word, box)
            assert any(
                b[0] <= box[0] and box[2] <= b[2] and b[1] <= box[1] and box[3] <= b[3]
                for b in badges
            ), (word, box)


def test_badge_geometry_tiles_the_sheet():
    assert PAGE_SIZE[0] > BADGE_WIDTH * 2
    assert PAGE_SIZE[1] > BADGE_HEIGHT * 4
    boxes = [badge_box(i) for i in range(BADGES_PER_PAGE)]
    for i, a in enumerate(boxes):
        assert 0 < a[0] < a[2] < PAGE_SIZE[0] and 0 < a[1] < a[3] < PAGE_SIZE[1]
        assert all(not overlaps(a, b) for b in boxes[i + 1 :])
        qr = badge_qr_box(i)
        assert a[0] < qr[0] < qr[2] < a[2] and a[1] < qr[1] < qr[3] < a[3]
        assert qr[2] - qr[0] == pytest.approx(QR_SIZE) == qr[3] - qr[1]
    assert badge_box(9) == badge_box(1)  # the second badge of the second sheet
    assert boxes[0][1] > boxes[2][1]  # row-major from the top-left
    assert boxes[0][0] < boxes[1][0]


def test_long_names_shrink_to_two_lines():
    bold = register_fonts().bold
    size, lines = fit_name("Vừ A Dính", bold, 140)
    assert (size, lines) == (22, ["Vừ A Dính"])
    size, lines = fit_name("Hoàng Thị Phương Thảo Nguyên Khánh Linh", bold, 140)
    assert len(lines) == 2 and " ".join(lines) == "Hoàng Thị Phương Thảo Nguyên Khánh Linh"
    assert size < 20
    size, lines = fit_name("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", bold, 140)
    assert lines == ["Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
    assert size < 11


def test_badge_qr_codes_decode_with_jsqr_and_feed_the_fake_camera(enrollments, world, tmp_path):
    pdf = badges_pdf(world.class_a, enrollments)

    first = qr_png_from_badges_pdf(pdf, tmp_path / "qr0.png", page=1, badge_index=0)
    assert decode_qr_with_jsqr(first) == enrollments[0].badge_token
    last = qr_png_from_badges_pdf(pdf, tmp_path / "qr9.png", page=2, badge_index=9)
    assert decode_qr_with_jsqr(last) == enrollments[9].badge_token
    # The page-local index is the same badge.
    again = qr_png_from_badges_pdf(pdf, tmp_path / "qr9b.png", page=2, badge_index=1)
    assert decode_qr_with_jsqr(again) == enrollments[9].badge_token
    with pytest.raises(ValueError):
        qr_png_from_badges_pdf(pdf, tmp_path / "bad.png", page=1, badge_index=9)

    width, height, frames = 640, 480, 30
    video = write_y4m(first, tmp_path / "qr0.y4m", width=width, height=height, frames=frames)
    data = video.read_bytes()
    header = b"YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n"
    frame_size = width * height * 3 // 2
    assert data.startswith(header)
    assert len(data) == len(header) + frames * (frame_size + len(Y4M_FRAME))
    assert data.count(Y4M_FRAME) >= frames

    # Frame 1 as the camera would show it: the luma plane alone must still decode,
    # the chroma planes are flat (a black-on-white code has no colour), and the code
    # fills about 60 % of the height, centred.
    from PIL import Image

    start = len(header) + len(Y4M_FRAME)
    luma = data[start : start + width * height]
    chroma = data[start + width * height : start + frame_size]
    assert set(chroma) <= {127, 128, 129}
    luma_png = tmp_path / "luma.png"
    image = Image.frombytes("L", (width, height), luma)
    image.save(luma_png)
    assert decode_qr_with_jsqr(luma_png) == enrollments[0].badge_token
    dark = image.point(lambda v: 255 if v < 128 else 0).getbbox()
    assert dark is not None
    assert 0.55 * height < dark[3] - dark[1] < 0.65 * height
    assert abs((dark[0] + dark[2]) / 2 - width / 2) < 0.05 * width
    assert data[len(header) + len(Y4M_FRAME) + frame_size :].startswith(Y4M_FRAME)


def test_badges_sample_artifact(enrollments, world, tmp_path):
    """Page 1 at 60 dpi, for a person to look at (test-artifacts/badges-sample.png)."""
    pdf = badges_pdf(world.class_a, enrollments)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "badges-sample.pdf").write_bytes(pdf)
    png = render_pdf_page(pdf, ARTIFACTS / "badges-sample.png", page=1, dpi=60)
    from PIL import Image

    with Image.open(png) as im:
        assert im.size[0] == pytest.approx(PAGE_SIZE[0] * 60 / 72, abs=1)
        assert im.size[1] == pytest.approx(PAGE_SIZE[1] * 60 / 72, abs=1)


# ---------------------------------------------------------------------------- tokens


def test_badge_tokens_are_unique_random_and_not_derived(enrollments, world):
    tokens = [e.badge_token for e in enrollments]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", token), token  # ≥ 128 bits of base64url
    many = {new_badge_token() for _ in range(2000)}
    assert len(many) == 2000

    # A large id and a real-looking CCCD: a random 22-character token contains neither
    # by chance (unlike a one-digit id), so finding one would mean the token is derived.
    person = f.participant(
        world.unit_b, full_name="Lò Thị Pâng", gender="female", citizen_id="012190004567"
    )
    nomination = f.nomination(world.class_a, world.unit_b, "c", person, state="approved")
    enrollment = Enrollment.objects.create(
        id=987_654_321,
        nomination=nomination,
        training_class=world.class_a,
        participant=person,
        organisation=world.unit_b,
        category=nomination.category,
    )
    enrollment.refresh_from_db()
    token = enrollment.badge_token
    assert len(token) >= 22
    for secret in (str(enrollment.pk), person.citizen_id, person.citizen_id[-6:]):
        assert secret not in token
    for other in enrollments:
        assert other.participant.citizen_id not in other.badge_token
        assert other.participant.citizen_id[-6:] not in other.badge_token

    # The database refuses a shared token.
    clash = f.nomination(world.class_a, world.unit_b, "c", state="approved")
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            nomination=clash,
            training_class=world.class_a,
            participant=clash.participant,
            organisation=world.unit_b,
            category=clash.category,
            badge_token=token,
        )
