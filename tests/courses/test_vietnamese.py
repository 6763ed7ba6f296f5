import datetime
import unicodedata

import pytest

from courses.vietnamese import clean_person_name, collation_key, fold, name_parts, person_sort_key


def test_nfd_and_nfc_names_are_the_same_after_cleaning():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    assert nfd != "Nguyễn Thị Hường"
    assert clean_person_name(nfd) == "Nguyễn Thị Hường"


def test_person_name_is_trimmed_collapsed_and_capitalised():
    assert clean_person_name("  nguyễn   thị  hường ") == "Nguyễn Thị Hường"
    assert clean_person_name("LÒ VĂN PÀNH") == "Lò Văn Pành"


def test_vietnamese_letters_sort_in_alphabet_order():
    letters = ["đ", "d", "ư", "u", "ơ", "ô", "o", "ê", "e", "â", "ă", "a", "z"]
    assert sorted(letters, key=collation_key) == [
        "a",
        "ă",
        "â",
        "d",
        "đ",
        "e",
        "ê",
        "o",
        "ô",
        "ơ",
        "u",
        "ư",
        "z",
    ]


def test_tones_are_a_secondary_difference_in_dictionary_order():
    assert sorted(["mạ", "má", "mã", "mả", "mà", "ma"], key=collation_key) == [
        "ma",
        "mà",
        "mả",
        "mã",
        "má",
        "mạ",
    ]
    # A tone never beats a letter: "mà" sorts before "mb" although "à" > "b" in code points.
    assert sorted(["mb", "mà"], key=collation_key) == ["mà", "mb"]


def test_capital_đ_sorts_after_d_not_after_z():
    assert sorted(["Zoe", "Đức", "Dũng"], key=collation_key) == ["Dũng", "Đức", "Zoe"]


def test_people_sort_by_given_name_then_middle_then_family():
    names = [
        "Nguyễn Thị Hường",
        "Đỗ Văn An",
        "Trần Anh",
        "Vũ Thị Ánh",
        "Lò Văn Ăn",
        "Hoàng Đức",
        "Lê Dũng",
    ]
    assert sorted(names, key=person_sort_key) == [
        "Đỗ Văn An",
        "Trần Anh",
        "Vũ Thị Ánh",
        "Lò Văn Ăn",
        "Lê Dũng",
        "Hoàng Đức",
        "Nguyễn Thị Hường",
    ]


def test_family_name_breaks_ties_between_same_given_and_middle_names():
    assert sorted(["Trần Văn An", "Lê Văn An", "Đào Văn An"], key=person_sort_key) == [
        "Đào Văn An",
        "Lê Văn An",
        "Trần Văn An",
    ]


def test_names_with_two_words_and_one_word_split_sensibly():
    assert name_parts("Lò Pành") == ("Lò", "", "Pành")
    assert name_parts("Pành") == ("", "", "Pành")
    assert name_parts("Nguyễn Thị Thu Hà") == ("Nguyễn", "Thị Thu", "Hà")


def test_fold_removes_accents_and_đ_for_search():
    assert fold("Đoàn Thị Hường") == "doan thi huong"
    assert fold(unicodedata.normalize("NFD", "Mường Tè")) == "muong te"


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "không"),
        (11, "mười một"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (105, "một trăm linh năm"),
        (1005, "một nghìn không trăm linh năm"),
        (1_005_000, "một triệu không trăm linh năm nghìn"),
        (1_250_000, "một triệu hai trăm năm mươi nghìn"),
        (2_053_000_000, "hai tỷ không trăm năm mươi ba triệu"),
        (1_000_000_000_000, "một nghìn tỷ"),
    ],
)
def test_numbers_are_written_as_on_a_voucher(n, words):
    from core.documents.wording import number_in_words

    assert number_in_words(n) == words


def test_amount_in_words_is_capitalised_with_the_currency():
    from core.documents.wording import amount_in_words

    assert amount_in_words(3_150_000) == "Ba triệu một trăm năm mươi nghìn đồng"


# ------------------------------------------------------- official list order (issue #14)


def test_hand_checked_list_in_the_order_a_clerk_expects():
    from operator import itemgetter

    from courses.vietnamese import sorted_by_name

    # (name, date of birth) in the order a clerk reads them: given name as a whole word
    # (letters a < ă < â, d < đ, o < ô < ơ, u < ư; then tone: none, huyền, hỏi, ngã, sắc,
    # nặng), then middle name(s) word by word, then family name, then date of birth.
    expected = [
        ("Vũ An", None),
        ("Lê Anh", None),  # two words: no middle name comes first
        ("Trần Thị Anh", None),
        ("Nguyễn Thị Thu Anh", None),  # four words: middle "Thị Thu" after "Thị"
        ("Đặng Văn Anh", None),  # family name last: Đặng < Hà
        ("Hà Văn Anh", None),
        ("Bùi Thu Ánh", None),  # every Anh before every Ánh, whatever the middle name
        ("Lò Văn Ăn", None),
        ("Hà Thị Ân", None),
        ("Vàng A Do", None),
        ("Sùng Thị Dô", None),
        ("Lý Văn Dở", None),
        ("Giàng Thị Dợ", None),
        ("Phạm Văn Dũng", None),
        ("Lê Đức", None),
        ("Lò Văn Khăm", None),
        ("Tòng Khặm", None),
        ("Lò Thị Khặm", None),
        ("Lường Thị Ún", datetime.date(1975, 11, 20)),  # namesakes: the elder first
        ("Lường Thị Ún", datetime.date(1988, 3, 2)),
        ("Lường Thị Ún", None),  # date of birth unknown: last of the namesakes
        ("Hoàng Thị Ửng", None),
        ("Vàng Văn Xa", None),
        ("Lò Thị Xá", None),
    ]
    # Typed every way: reversed, decomposed (NFD) and in any case.
    typed = [
        (unicodedata.normalize("NFD", name) if i % 2 else name.upper() if i % 3 else name, born)
        for i, (name, born) in enumerate(reversed(expected))
    ]
    ordered = sorted_by_name(typed, name=itemgetter(0), born=itemgetter(1))
    assert [(clean_person_name(n), b) for n, b in ordered] == expected
    by_key = sorted(typed, key=lambda person: person_sort_key(*person))
    assert [(clean_person_name(n), b) for n, b in by_key] == expected


@pytest.mark.parametrize(
    "first, second",
    [
        ("Đặng Văn Anh", "Bùi Thu Ánh"),  # the register's 005/006, issue #14
        ("Vàng Văn Xa", "Lò Thị Xá"),
        ("Lý Văn Dở", "Giàng Thị Dợ"),
        ("Lò Văn Khăm", "Lò Thị Khặm"),
    ],
)
def test_a_tone_of_the_given_name_decides_before_the_middle_and_family_names(first, second):
    assert person_sort_key(first) < person_sort_key(second)
    assert sorted([second, first], key=person_sort_key) == [first, second]


def test_namesakes_are_told_apart_by_date_of_birth_then_primary_key():
    from courses.vietnamese import sorted_by_name

    class Person:
        def __init__(self, pk, full_name, date_of_birth):
            self.pk, self.full_name, self.date_of_birth = pk, full_name, date_of_birth

    people = [
        Person(4, "Lường Thị Ún", None),
        Person(3, "Lường Thị Ún", datetime.date(1988, 3, 2)),
        Person(2, "Lường Thị Ún", datetime.date(1975, 11, 20)),
        Person(1, "Lường Thị Ún", datetime.date(1988, 3, 2)),
        Person(5, "Lò Văn Ún", datetime.date(2000, 1, 1)),
    ]
    assert [p.pk for p in sorted_by_name(people)] == [2, 1, 3, 4, 5]


def test_labels_sort_word_by_word_each_word_letters_then_tone():
    from courses.vietnamese import sorted_by_text

    # A dictionary puts every "ba …" before every "bà …"; comparing the letters of the
    # whole label first put "Bà Rịa" before "Ba Vì" (r < v).
    labels = ["Bắc Kạn", "Bà Rịa", "Ba Vì", "Ba Bể", "bà", "Ba"]
    assert sorted_by_text(labels) == ["Ba", "Ba Bể", "Ba Vì", "bà", "Bà Rịa", "Bắc Kạn"]
    assert sorted_by_text(["Xã Mù Cả", "Xa Mù Cả"]) == ["Xa Mù Cả", "Xã Mù Cả"]
