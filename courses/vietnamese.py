"""Vietnamese text rules the whole system relies on.

* Text is stored NFC-normalised: "Nguyễn" typed on a Mac (NFD) and on Windows (NFC) must
  be the same string, or duplicates and lookups silently fail.
* Collation follows the Vietnamese alphabet (a < ă < â < b < c < d < đ < e < ê …), word
  by word, with tones as a *secondary* difference within each word (ngang < huyền < hỏi
  < ngã < sắc < nặng) and case as a tertiary one. Plain ``sorted()`` puts "Đ" after "Z" and ICU's root collation treats
  "ă" as a variant of "a"; both are wrong on an official list.
* People are listed by given name, then middle name(s), then family name, then date of
  birth: ``person_sort_key`` / ``sorted_by_name``, the only home of that rule.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}

# Combining marks that make a *different letter* (ă, â, ê, ô, ơ, ư) …
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
# … and the five tone marks, in dictionary order after the unmarked (ngang) tone.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

_SPACES = re.compile(r"\s+")
# Control characters that are not whitespace (those are collapsed like spaces): invisible
# in a cell, they make two spellings of one name differ, and PostgreSQL refuses NUL.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def nfc(value: str) -> str:
    """NFC-normalise text; the single entry point for text arriving from outside."""
    return unicodedata.normalize("NFC", value)


def clean_text(value: str) -> str:
    """NFC-normalise, drop control characters, and collapse runs of whitespace
    (spreadsheets love double spaces)."""
    return _SPACES.sub(" ", nfc(_CONTROLS.sub("", value))).strip()


def clean_person_name(value: str) -> str:
    """A person's name as it is written on official lists: 'Nguyễn Thị Hường'.

    Words are title-cased letter by letter because ``str.title()`` would also capitalise
    after apostrophes and hyphens in ethnic-minority names (e.g. "Lò Văn Pành" is fine,
    but "Y-Moan" must stay "Y-Moan").
    """
    words = clean_text(value).split(" ")
    # Casing can recompose ("i" + U+0307 -> "İ"), so normalise again after it.
    return nfc(" ".join(_capitalise(word) for word in words))


def _capitalise(word: str) -> str:
    """Upper-case the first letter, lower-case the rest, one character for one: letters
    whose case is two characters ("ß" -> "SS", "ŉ" -> "ʼN") stay as written, or cleaning
    a cleaned name would change it again ("ßa" -> "SSa" -> "Ssa")."""
    return "".join(_one_for_one(char, upper=index == 0) for index, char in enumerate(word))


def _one_for_one(char: str, *, upper: bool) -> str:
    mapped = char.upper() if upper else char.lower()
    return mapped if len(mapped) == 1 else char


_LETTER_MARKS = {
    ("a", _BREVE): "ă",
    ("a", _CIRCUMFLEX): "â",
    ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô",
    ("o", _HORN): "ơ",
    ("u", _HORN): "ư",
}


def _clusters(text: str) -> list[str]:
    """Each base character of the NFD text with the combining marks that follow it. A mark
    that NFC could not compose onto its letter (a tone on "b") still belongs to that letter,
    as a secondary difference, rather than sorting as a character of its own after "z"."""
    clusters: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _letters(text: str) -> list[tuple[int, int, int]]:
    """(letter rank, tone, case) for each letter with its marks, from the NFD form."""
    out: list[tuple[int, int, int]] = []
    for decomposed in _clusters(text):
        base, marks = decomposed[0], decomposed[1:]
        letter = "đ" if base in "đĐ" else base.lower()
        tone = 0
        for mark in marks:
            letter = _LETTER_MARKS.get((letter, mark), letter)
            tone = _TONES.get(mark, tone)
        rank = _LETTER_RANK.get(letter)
        if rank is None:
            # Spaces, digits and punctuation sort before letters, by code point.
            rank = ord(letter) - 0x110000 if ord(letter) < 0x80 else len(_ALPHABET) + ord(letter)
        case = 1 if base.isupper() else 0
        out.append((rank, tone, case))
    return out


def _word_key(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """One word compared as a whole: its letters in alphabet order, then its tones."""
    letters = _letters(word)
    return tuple(rank for rank, _, _ in letters), tuple(tone for _, tone, _ in letters)


def _words_key(cleaned: str) -> tuple:
    """Word by word, each word letters-then-tone: "Ba Vì" < "Bà Rịa", as in a Vietnamese
    dictionary, where every "ba …" comes before every "bà …". Comparing the letters of the
    whole text before any tone put "Bà Rịa" first (r < v), and "Bùi Thu Ánh" before
    "Đặng Văn Anh"."""
    return tuple(_word_key(word) for word in cleaned.split(" ")) if cleaned else ()


def _cases(cleaned: str) -> tuple[int, ...]:
    return tuple(case for _, _, case in _letters(cleaned))


def collation_key(text: str) -> tuple:
    """Sort key for Vietnamese text: word by word, each word by its letters and then its
    tones; then case over the whole text; and last the text itself, so that marks the
    alphabet ignores ("ç" and "c") still order one way whatever order the list came in."""
    cleaned = clean_text(text)
    return (_words_key(cleaned), _cases(cleaned), cleaned)


def name_parts(full_name: str) -> tuple[str, str, str]:
    """Split 'Nguyễn Thị Hường' into (family, middle, given). Not every name has three
    words: 'Lò Pành' has no middle name, a one-word name is only a given name."""
    words = clean_text(full_name).split(" ")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def person_sort_key(full_name: str, date_of_birth: datetime.date | None = None) -> tuple:
    """Official list order, the one rule for every list, export, badge sheet and the
    certificate register: the given name as a whole word (letters, then tone: every
    "Anh" before every "Ánh", whatever the other words), then the middle name(s) word by
    word, then the family name; namesakes by date of birth (unknown last). Case and the
    exact spelling only break what is left, so equal keys mean the same cleaned name."""
    cleaned = clean_text(full_name)
    family, middle, given = name_parts(cleaned)
    return (
        (_words_key(given), _words_key(middle), _words_key(family)),
        (date_of_birth is None, date_of_birth or datetime.date.min),
        (_cases(given), _cases(middle), _cases(family)),
        cleaned,
    )


def _date_of_birth(item) -> datetime.date | None:
    return getattr(item, "date_of_birth", None)


def _pk(item):
    return getattr(item, "pk", None)


def sorted_by_name(items, name=lambda item: item.full_name, born=_date_of_birth, then=_pk) -> list:
    """Sort people (or anything with a name) in official list order (person_sort_key).
    ``name`` and ``born`` read an item's full name and date of birth (for enrollments
    and nominations, see sorted_by_participant). ``then`` (the primary key by default)
    orders namesakes born the same day, so a list reads the same each time whatever
    order the database returned; items without one keep the order they came in."""

    def key(item) -> tuple:
        last = then(item)
        return person_sort_key(name(item), born(item)), (last is None, last or 0)

    return sorted(items, key=key)


def sorted_by_participant(items, person=lambda item: item.participant, then=_pk) -> list:
    """Enrollments, nominations (anything ``person`` reads a participant from) in their
    people's official list order; see sorted_by_name."""
    return sorted_by_name(
        items,
        name=lambda item: person(item).full_name,
        born=lambda item: person(item).date_of_birth,
        then=then,
    )


def sorted_by_text(items, text=str) -> list:
    """Sort labels (organisation names, titles) in Vietnamese alphabetical order."""
    return sorted(items, key=lambda item: collation_key(text(item)))


def fold(text: str) -> str:
    """Accent- and case-insensitive form for searching: 'Đoàn Thị Hường' -> 'doan thi huong'."""
    decomposed = unicodedata.normalize("NFD", clean_text(text).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Cleaned again: recomposed, so that what NFD split without marks (a Hangul syllable
    # into its letters) comes back whole and the folded form is never longer than the
    # name (search_name's length); and a space that only a lone mark followed is dropped.
    return clean_text(stripped).lower()


def name_with_birth_year(name: str, born: datetime.date | None) -> str:
    """A name as a signature list prints it: "Lường Thị Ún (1985)". Two namesakes of
    one unit are common in the highlands; the birth year tells the signer which line
    is theirs (the list is already ordered by date of birth within namesakes)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    return f"{text} ({born.year})" if born else text
