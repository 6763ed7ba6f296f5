"""A class whose people a clerk expects in one order: the complaints of issue #14 (L1's
Anh/Ánh, Khăm/Khặm; L4's Dở/Dợ, Xa/Xá; the register's 005 Bùi Thu Ánh, 006 Đặng Văn Anh)
and two namesakes of different units told apart by their dates of birth. Shared by the
tests that read the lists, exports, PDFs and the certificate register."""

import datetime
import unicodedata

from tests import factories as f

# (full name, date of birth, unit: "a" or "b"), in the order they are created: the order
# of the primary keys, and (middle names "Thị" < "Thu" < "Văn") the order the old sort
# gave, which compared the letters of every word before any tone.
PEOPLE = [
    ("Bùi Thu Ánh", datetime.date(1985, 1, 1), "a"),
    ("Đặng Văn Anh", datetime.date(1990, 2, 2), "a"),
    ("Lò Thị Khặm", datetime.date(1991, 3, 3), "a"),
    ("Lò Văn Khăm", datetime.date(1992, 4, 4), "a"),
    ("Lường Thị Ún", datetime.date(1988, 3, 2), "a"),
    ("Lường Thị Ún", datetime.date(1975, 11, 20), "b"),
    ("Lò Thị Xá", datetime.date(1993, 5, 5), "a"),
    ("Vàng Văn Xa", datetime.date(1994, 6, 6), "a"),
    ("Giàng Thị Dợ", datetime.date(1995, 7, 7), "a"),
    ("Lý Văn Dở", datetime.date(1996, 8, 8), "a"),
]

# Hand-checked: given name as a whole word (letters, then tone: none < hỏi < sắc < nặng),
# then middle, then family, then the date of birth.
EXPECTED = [
    ("Đặng Văn Anh", datetime.date(1990, 2, 2)),
    ("Bùi Thu Ánh", datetime.date(1985, 1, 1)),
    ("Lý Văn Dở", datetime.date(1996, 8, 8)),
    ("Giàng Thị Dợ", datetime.date(1995, 7, 7)),
    ("Lò Văn Khăm", datetime.date(1992, 4, 4)),
    ("Lò Thị Khặm", datetime.date(1991, 3, 3)),
    ("Lường Thị Ún", datetime.date(1975, 11, 20)),
    ("Lường Thị Ún", datetime.date(1988, 3, 2)),
    ("Vàng Văn Xa", datetime.date(1994, 6, 6)),
    ("Lò Thị Xá", datetime.date(1993, 5, 5)),
]


def enrol(world, klass=None) -> list:
    """Enrol PEOPLE in world.class_a (unit b in category c, its quota there); names of
    unit a arrive decomposed (NFD), as a Mac keyboard sends them."""
    klass = klass or world.class_a
    enrollments = []
    for name, born, unit in PEOPLE:
        org = world.unit_a if unit == "a" else world.unit_b
        typed = unicodedata.normalize("NFD", name) if unit == "a" else name
        person = f.participant(org, full_name=typed, date_of_birth=born)
        enrollments.append(f.enrollment(klass, org, person, "a" if unit == "a" else "c"))
    return enrollments
