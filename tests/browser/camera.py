"""A fake camera for the QR attendance tests (a utility, not a test module).

* :func:`qr_png_from_badges_pdf` renders a badge sheet with poppler and crops one
  badge's QR code, using the sheet geometry published by ``attendees.badges``;
* :func:`write_y4m` turns such a picture into a Y4M video, the format Chromium plays as
  its camera with ``--use-fake-device-for-media-stream
  --use-file-for-fake-video-capture=<file>.y4m``;
* :func:`decode_qr_with_jsqr` decodes a picture with the jsQR build the scan page loads,
  run by node — the same decoder, so a pass here means the browser can read it too.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from attendees.badges import BADGES_PER_PAGE, PAGE_SIZE, badge_qr_box

REPO_ROOT = Path(__file__).resolve().parents[2]
JSQR = REPO_ROOT / "node_modules" / "jsqr" / "dist" / "jsQR.js"

Y4M_FRAME = b"FRAME\n"


def render_pdf_page(pdf_bytes: bytes, out_png: Path, *, page: int = 1, dpi: int = 200) -> Path:
    """Page ``page`` (1-based) of the PDF as a PNG, rendered by ``pdftoppm``."""
    out_png = Path(out_png)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(pdf_bytes)
        prefix = Path(tmp) / "page"
        subprocess.run(
            [
                *("pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page)),
                *("-singlefile", str(pdf), str(prefix)),
            ],
            check=True,
            capture_output=True,
        )
        rendered = prefix.with_suffix(".png")
        out_png.parent.mkdir(parents=True, exist_ok=True)
        out_png.write_bytes(rendered.read_bytes())
    return out_png


def qr_png_from_badges_pdf(
    pdf_bytes: bytes, out_png: Path, *, page: int = 1, badge_index: int = 0, dpi: int = 200
) -> Path:
    """Crop the QR code of one badge out of a badge sheet and save it with a white margin.

    ``badge_index`` is the badge's place on ``page`` (0–7, rows left to right, top to
    bottom); the index in the whole list (e.g. 9 on page 2) is accepted too, as long as it
    is on ``page``.
    """
    if badge_index >= BADGES_PER_PAGE and badge_index // BADGES_PER_PAGE + 1 != page:
        raise ValueError(f"badge {badge_index} is on page {badge_index // BADGES_PER_PAGE + 1}")
    out_png = Path(out_png)
    render_pdf_page(pdf_bytes, out_png, page=page, dpi=dpi)
    with Image.open(out_png) as im:
        sheet = im.convert("RGB")
    scale = dpi / 72
    page_height = PAGE_SIZE[1]
    x0, y0, x1, y1 = badge_qr_box(badge_index)
    # PDF points from the bottom-left → pixels from the top-left.
    box = (
        round(x0 * scale),
        round((page_height - y1) * scale),
        round(x1 * scale),
        round((page_height - y0) * scale),
    )
    qr = sheet.crop(box)
    margin = max(8, qr.width // 10)
    framed = Image.new("RGB", (qr.width + 2 * margin, qr.height + 2 * margin), "white")
    framed.paste(qr, (margin, margin))
    framed.save(out_png)
    return out_png


def rgb_to_yuv420(rgb: np.ndarray) -> tuple[bytes, bytes, bytes]:
    """BT.601 full-range (JFIF) Y, Cb, Cr planes of an H×W×3 uint8 image, chroma averaged
    over 2×2 blocks (4:2:0, centred siting = C420jpeg)."""
    height, width, _ = rgb.shape
    if width % 2 or height % 2:
        raise ValueError("4:2:0 needs an even width and height")
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b

    def plane(values: np.ndarray) -> bytes:
        return np.clip(np.rint(values), 0, 255).astype(np.uint8).tobytes()

    def subsample(values: np.ndarray) -> np.ndarray:
        return values.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    return plane(y), plane(subsample(cb)), plane(subsample(cr))


def write_y4m(
    png: Path, out: Path, *, width: int = 640, height: int = 480, frames: int = 30
) -> Path:
    """A ``frames``-frame Y4M video (15 fps, 4:2:0) of the QR code in ``png``, centred on
    white: the code's dark modules (the picture's margins are cropped off; the white
    background is its quiet zone) scaled to about 60 % of the frame height."""
    out = Path(out)
    with Image.open(png) as im:
        picture = im.convert("RGB")
    ink = picture.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox()
    if ink:
        picture = picture.crop(ink)
    target = round(height * 0.6)
    factor = target / max(picture.width, picture.height)
    size = (max(1, round(picture.width * factor)), max(1, round(picture.height * factor)))
    picture = picture.resize(size, Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(picture, ((width - size[0]) // 2, (height - size[1]) // 2))
    y, u, v = rgb_to_yuv420(np.asarray(frame))
    payload = Y4M_FRAME + y + u + v
    header = f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode("ascii")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as f:
        f.write(header)
        for _ in range(frames):
            f.write(payload)
    return out


_JSQR_SCRIPT = """
const jsQR = require(process.argv[1]);
const [width, height] = [Number(process.argv[2]), Number(process.argv[3])];
const options = JSON.parse(process.argv[4]);
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const data = new Uint8ClampedArray(Buffer.concat(chunks));
  const code = jsQR(data, width, height, options);
  process.stdout.write(JSON.stringify(code ? code.data : null));
});
"""


def decode_qr_with_jsqr(png: Path, *, inversion_attempts: str = "dontInvert") -> str | None:
    """The text of the QR code in ``png`` as jsQR (the browser's decoder) reads it, or
    None if it finds none. Scan pages usually pass ``dontInvert`` (dark code on light
    paper), the strictest setting, so that is the default here."""
    with Image.open(png) as im:
        rgba = im.convert("RGBA")
    result = subprocess.run(
        [
            *("node", "-e", _JSQR_SCRIPT, str(JSQR), str(rgba.width), str(rgba.height)),
            json.dumps({"inversionAttempts": inversion_attempts}),
        ],
        input=rgba.tobytes(),
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)
