"""Text fitting: how wide a text is, and how it is made to fit its room.

The one place documents measure text (reportlab's ``stringWidth``): shrinking a line to
its width, wrapping words into lines (greedy or balanced), fitting a person's name in a
box on one or two lines, and sizing table columns for a sheet or a PDF page. Reportlab
does not kern, so a line's width is exactly the sum of its words and spaces.
"""

from __future__ import annotations

import datetime
import math
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from courses.vietnamese import nfc

# ---------------------------------------------------------------------------- measuring


@lru_cache(maxsize=4096)
def text_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points. Cached: the same labels, header lines and dates are
    measured on every page of a merged file."""
    return stringWidth(text, font, size)


def longest_word_width(text: str, font: str, size: float) -> float:
    """The widest word of ``text``: what a column needs so that no word breaks."""
    return max((stringWidth(w, font, size) for w in text.split()), default=0)


def _latin(text: str) -> str:
    """Without tone and vowel marks (for measuring with Latin-only font metrics)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def times_width_mm(text: str, size: float, *, bold: bool = False) -> float:
    """Width of ``text`` in Times New Roman (metric-compatible with reportlab's Times), in
    mm — for laying out a Word document. Only measures: nothing is drawn in Times."""
    font = "Times-Bold" if bold else "Times-Roman"
    return stringWidth(_latin(text), font, size) / mm


# ---------------------------------------------------------------------------- one line


def fit_one_line(
    text: str,
    font: str,
    size: float,
    width: float,
    minimum: float,
    *,
    below_minimum: bool = True,
) -> float:
    """The largest size ≤ ``size`` (in half points) at which ``text`` fits ``width`` on one
    line, not below ``minimum``. When even ``minimum`` is too wide: with
    ``below_minimum`` the size that fits exactly (a certificate must not run out of its
    frame), else ``minimum`` (the caller wraps, as a Paragraph does)."""
    natural = text_width(text, font, size)
    if natural <= width:
        return size
    # Widths scale linearly with size: no need to try sizes one by one.
    fitted = size * width / natural
    rounded = math.floor(fitted * 2) / 2
    if rounded >= minimum:
        return rounded
    return fitted if below_minimum else minimum


# ---------------------------------------------------------------------------- wrapping


def wrap_widths(widths: Sequence[float], space: float, width: float) -> list[int]:
    """Greedy wrap of words of the given widths; the index where each line starts."""
    starts = [0]
    line = widths[0]
    for i in range(1, len(widths)):
        if line + space + widths[i] > width:
            starts.append(i)
            line = widths[i]
        else:
            line += space + widths[i]
    return starts


def _join(words: Sequence[str], starts: list[int]) -> list[str]:
    return [" ".join(words[a:b]) for a, b in pairwise([*starts, len(words)])]


def wrap_words(words: Sequence[str], font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap (a word wider than ``width`` gets a line of its own)."""
    if not words:
        return []
    widths = [text_width(word, font, size) for word in words]
    return _join(words, wrap_widths(widths, text_width(" ", font, size), width))


def balanced_lines(words: list[str], font: str, size: float, width: float) -> list[str]:
    """``words`` wrapped to ``width`` with the lines as even as they can be while keeping
    the greedy line count: no lonely last word under a full line."""
    widths = [text_width(word, font, size) for word in words]
    space = text_width(" ", font, size)
    starts = wrap_widths(widths, space, width)
    if len(starts) > 1:
        # The narrowest width that still needs no more lines, by bisection.
        lo, hi = max(widths), width
        for _ in range(12):
            mid = (lo + hi) / 2
            if len(wrap_widths(widths, space, mid)) <= len(starts):
                hi = mid
            else:
                lo = mid
        starts = wrap_widths(widths, space, hi)
    return _join(words, starts)


def fit_lines(
    text: str, font: str, size: float, width: float, *, minimum: float, max_lines: int
) -> tuple[float, list[str]]:
    """``text`` wrapped to ``width`` in at most ``max_lines`` balanced lines at the
    largest size from ``size`` down to ``minimum`` (half points); below ``minimum`` only
    if the text would not fit otherwise — a certificate must not lose words."""
    words = text.split() or [""]
    current = size
    while True:
        widths = [text_width(word, font, current) for word in words]
        space = text_width(" ", font, current)
        if max(widths) <= width and len(wrap_widths(widths, space, width)) <= max_lines:
            return current, balanced_lines(words, font, current, width)
        if current > minimum:
            current = max(current - 0.5, minimum)
        elif current > 4:
            current *= 0.95
        else:
            return current, balanced_lines(words, font, current, width)


def clamp_lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """``text`` wrapped to ``width``, at most ``max_lines`` lines, the last one cut at a
    word and ended with "…" if the text is longer."""
    lines = wrap_words(nfc(str(text or "")).split(), font, size, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    words = kept[-1].split()
    while words and stringWidth(" ".join(words) + " …", font, size) > width:
        words.pop()
    kept[-1] = (" ".join(words) + " …").strip()
    return kept


def fit_name(
    name: str,
    font: str,
    width: float,
    *,
    largest: float = 22,
    one_line_down_to: float = 16,
    smallest: float = 11,
) -> tuple[float, list[str]]:
    """The size and lines of ``name`` in ``width``: one line if it fits at
    ``one_line_down_to`` or more, else two balanced lines at the largest size that fits
    (down to ``smallest``). A name that fits no way at ``smallest`` (one enormous word)
    is shrunk further until it does."""
    words = nfc(str(name or "")).split() or [""]

    def layout(size: float) -> list[str] | None:
        whole = " ".join(words)
        if stringWidth(whole, font, size) <= width:
            return [whole]
        best: tuple[float, list[str]] | None = None
        for k in range(1, len(words)):
            lines = [" ".join(words[:k]), " ".join(words[k:])]
            widest = max(stringWidth(line, font, size) for line in lines)
            if widest <= width and (best is None or widest < best[0]):
                best = (widest, lines)
        return best[1] if best else None

    # One line if the name fits at a good size, else two lines as large as they fit.
    whole = " ".join(words)
    size = largest
    while size >= one_line_down_to:
        if stringWidth(whole, font, size) <= width:
            return size, [whole]
        size -= 0.5
    size = largest
    while size >= smallest:
        lines = layout(size)
        if lines:
            return size, lines
        size -= 0.5
    # Give up on two lines: balanced split (or the lone word) shrunk to the width.
    if len(words) > 1:
        k = min(
            range(1, len(words)),
            key=lambda k: max(
                stringWidth(" ".join(words[:k]), font, smallest),
                stringWidth(" ".join(words[k:]), font, smallest),
            ),
        )
        lines = [" ".join(words[:k]), " ".join(words[k:])]
    else:
        lines = words
    widest = max(stringWidth(line, font, smallest) for line in lines) or 1
    return smallest * min(1, width / widest), lines


# ---------------------------------------------------------------------------- columns


def display_len(value: Any) -> int:
    """How many characters' room a value takes in a sheet cell (widths count the default
    font's digits; capitals are wider: "TTDN-THUCHANH")."""
    if value is None:
        return 0
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.1f}")
    text = str(value)
    return round(len(text) + 0.3 * sum(1 for ch in text if ch.isupper()))


def sheet_widths(
    titles: Sequence[str], declared: Sequence[float], sample: list[list[Any]], maximum: float
) -> list[float]:
    """Characters per sheet column: the declared width, widened for the longest value (and
    the longest header word), never wider than ``maximum`` — longer text wraps."""
    widths = []
    for i, (title, width) in enumerate(zip(titles, declared, strict=True)):
        longest = max((len(w) for w in title.split()), default=0) + 2
        for row in sample:
            longest = max(longest, display_len(row[i]) + 2)
        widths.append(float(min(max(width, longest), maximum)))
    return widths


def weighted_sheet_width(
    title: str, values: list[str], weight: float, kind: str, *, maximum: float = 60
) -> float:
    """Sheet width in characters of a column given a relative weight (1 ≈ 8 characters),
    widened for the longest value up to ``maximum``: a people list's columns."""
    if kind == "date":
        return max(12.0, weight * 8)
    longest = max([len(word) for word in title.split()] or [0])
    for value in values:
        longest = max(longest, len(value))
    return round(min(max(weight * 8, longest + 2, 6), maximum), 1)


def table_widths(
    kinds: Sequence[str],
    weights: Sequence[float],
    heads: Sequence[str],
    cells: list[list[str]],
    width: float,
    *,
    regular: str,
    bold: str,
    size: float,
    pad: float,
) -> tuple[bool, list[float]]:
    """Whether a table fits ``width`` at ``size``, and its column widths.

    Non-text columns (numbers, codes, dates) get what their longest word needs (numbers
    at least a centimetre), so a number or a date never breaks. Text columns (names,
    units, sessions missed) get their longest line if everything fits that way, the page's
    slack then shared by all; otherwise they share what is left by weight, each at least
    its longest word or about a dozen letters.
    """
    fixed: list[float | None] = []
    minimum: list[float] = []
    natural: list[float] = []
    for i, kind in enumerate(kinds):
        need = longest_word_width(heads[i], bold, size)
        need = max([need] + [longest_word_width(row[i], regular, size) for row in cells])
        need += pad + 1
        if kind == "text":
            fixed.append(None)
            minimum.append(max(need, stringWidth("n" * 12, regular, size) + pad))
            longest = max((stringWidth(row[i], regular, size) for row in cells), default=0)
            natural.append(max(minimum[-1], longest + pad + 1))
        else:
            if kind in ("int", "rate", "date"):
                need = max(need, 10 * mm)
            fixed.append(need)
            minimum.append(need)
            natural.append(need)
    fits = sum(minimum) <= width
    if sum(natural) <= width:
        return True, [w * width / sum(natural) for w in natural]
    texts = [i for i, w in enumerate(fixed) if w is None]
    widths = [w or 0.0 for w in fixed]
    rest = max(width - sum(widths), 0)
    weight = sum(weights[i] for i in texts) or 1
    for i in texts:
        widths[i] = rest * weights[i] / weight
    # A text column below its minimum takes from the others, in proportion to their slack.
    short_by = sum(max(minimum[i] - widths[i], 0) for i in texts)
    slack = sum(max(widths[i] - minimum[i], 0) for i in texts)
    if short_by and slack >= short_by:
        for i in texts:
            if widths[i] < minimum[i]:
                widths[i] = minimum[i]
            else:
                widths[i] -= (widths[i] - minimum[i]) * short_by / slack
    return fits, widths


def weighted_widths(
    titles: Sequence[str],
    weights: Sequence[float],
    cells: list[list[str]],
    width: float,
    *,
    head: tuple[str, float],
    body: tuple[str, float],
) -> list[float]:
    """Relative widths scaled to ``width``, then widened so that no word is broken.

    A column gets at least its longest header word (``head``: font, size) and its longest
    value word (``body``) — so a date never wraps as "01/01/19 | 80" — capped at 40 % of
    the width for a freak long word. The room comes from the columns with slack, in
    proportion to it.
    """
    padding = 7  # left + right cell padding, plus a hair
    total = sum(max(w, 0.1) for w in weights) or 1
    widths = [width * max(w, 0.1) / total for w in weights]
    needed = []
    for i, title in enumerate(titles):
        words = [stringWidth(w, *head) for w in title.split()]
        words += [stringWidth(w, *body) for row in cells for w in row[i].split()]
        needed.append(min(max(words, default=0) + padding, width * 0.4))
    if sum(needed) > width:  # too many columns to honour every word; keep the ratios
        return widths
    deficit = sum(max(n - w, 0) for n, w in zip(needed, widths, strict=True))
    slack = sum(max(w - n, 0) for n, w in zip(needed, widths, strict=True))
    if deficit <= 0:
        return widths
    return [
        n if w <= n else w - (w - n) * deficit / slack for n, w in zip(needed, widths, strict=True)
    ]
