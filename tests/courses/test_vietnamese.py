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
    from courses.vietnamese import number_in_words

    assert number_in_words(n) == words


def test_amount_in_words_is_capitalised_with_the_currency():
    from courses.vietnamese import amount_in_words

    assert amount_in_words(3_150_000) == "Ba triệu một trăm năm mươi nghìn đồng"
