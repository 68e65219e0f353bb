"""Personal names: Latin look-alikes, Kyrgyz letters, search keys, patronymics in both languages."""

from __future__ import annotations

import pytest

from okmot.identity import names
from okmot.identity.names import (
    father_name_from,
    fix_lookalikes,
    full_name,
    patronymic,
    patronymic_ky,
    patronymic_ru,
    search_key,
)

# --------------------------------------------------------------------------- look-alikes


def test_latin_o_inside_cyrillic_word_fixed_and_reported():
    fixed = fix_lookalikes("Асанoв")  # Latin "o"
    assert fixed.text == "Асанов"
    assert fixed.text.isascii() is False
    assert all("\u0400" <= ch <= "\u04ff" for ch in fixed.text)
    assert fixed.replaced == (("o", "о"),)
    assert fixed.changed


def test_uppercase_latin_a_fixed():
    fixed = fix_lookalikes("AСАН")  # Latin "A" then Cyrillic
    assert fixed.text == "АСАН"
    assert fixed.text[0] == "\u0410"
    assert fixed.replaced == (("A", "А"),)


def test_several_lookalikes_all_reported_in_order():
    fixed = fix_lookalikes("Тоkтоcун")  # Latin k and c
    assert fixed.text == "Токтосун"
    assert fixed.replaced == (("k", "к"), ("c", "с"))


def test_clean_cyrillic_name_unchanged():
    fixed = fix_lookalikes("Асанов")
    assert fixed.text == "Асанов"
    assert fixed.replaced == ()
    assert not fixed.changed


def test_fully_latin_words_left_alone():
    fixed = fix_lookalikes("John Smith")
    assert fixed.text == "John Smith"
    assert not fixed.changed


def test_only_the_cyrillic_word_is_fixed_in_mixed_text():
    fixed = fix_lookalikes("Peter Пeтров")
    assert fixed.text == "Peter Петров"
    assert fixed.replaced == (("e", "е"),)


def test_spaces_tidied():
    assert fix_lookalikes("  Асан   уулу ").text == "Асан уулу"


def test_hyphenated_parts_checked_separately():
    # "Smith" is a Latin word of its own; "Асанoва" is Cyrillic with a Latin o.
    assert fix_lookalikes("Smith-Асанoва").text == "Smith-Асанова"


@pytest.mark.parametrize("word", ["Өмүрбек", "Үсөн", "Ңаң", "өмүр", "ү", "Жеңиш"])
def test_kyrgyz_letters_kept(word):
    fixed = fix_lookalikes(word)
    assert fixed.text == word
    assert not fixed.changed


@pytest.mark.parametrize("typed, expected", [
    ("Ɵмүр", "Өмүр"),       # Latin capital O with middle tilde
    ("Кɵл", "Көл"),          # its small form
    ("Кöл", "Көл"),          # Latin o with diaeresis
    ("Жеҥиш", "Жеңиш"),      # Cyrillic en with hook ҥ (Yakut/Altai)
    ("Ұсөн", "Үсөн"),        # Kazakh straight u with stroke
    ("Тüлкү", "Түлкү"),      # Latin u with diaeresis
])
def test_kyrgyz_substitutes_fixed(typed, expected):
    fixed = fix_lookalikes(typed)
    assert fixed.text == expected
    assert fixed.changed
    assert len(fixed.replaced) == 1


def test_decomposed_input_normalised():
    # "ö" typed as o + combining diaeresis becomes one character (NFC), then the Kyrgyz letter.
    assert fix_lookalikes("Ко\u0308л").text == "Көл"  # Cyrillic о + U+0308 → ӧ → ө
    assert fix_lookalikes("Кo\u0308л").text == "Көл"  # Latin o + U+0308 → ö → ө


# --------------------------------------------------------------------------- search keys


def test_search_key_case_insensitive():
    assert search_key("АСАНОВ") == search_key("асанов") == search_key("Асанов") == "асанов"


def test_search_key_fixes_lookalikes():
    assert search_key("Асанoв") == "асанов"
    assert search_key("AСАН") == "асан"


def test_search_key_folds_yo_to_ye():
    assert search_key("Пётр") == "петр"
    assert search_key("ЁЛКИН") == "елкин"


@pytest.mark.parametrize("kyrgyz, russian", [("Өмүр", "Омур"), ("Үсөн", "Усон"), ("Жеңиш", "Жениш")])
def test_search_key_keeps_kyrgyz_letters_distinct(kyrgyz, russian):
    key = search_key(kyrgyz)
    assert key != search_key(russian)
    assert any(ch in key for ch in "өүң")
    assert not any(ch in search_key(russian) for ch in "өүң")


def test_search_key_of_kyrgyz_uppercase():
    assert search_key("ӨМҮРБЕКОВ") == "өмүрбеков"
    assert search_key("ЖЕҢИШ") == "жеңиш"


def test_search_key_of_substitute_equals_kyrgyz_letter():
    assert search_key("Ɵмүр") == search_key("Өмүр") == "өмүр"


def test_search_key_folds_latin_only_fragment():
    # A search box fragment typed with the Latin keyboard: "Ao" must find "Ао...".
    assert search_key("Ao") == "ао"


# --------------------------------------------------------------------------- patronymics


def test_kyrgyz_patronymic():
    assert patronymic_ky("Асан", "M") == "Асан уулу"
    assert patronymic_ky("Асан", "F") == "Асан кызы"
    assert patronymic_ky("", "M") == ""


@pytest.mark.parametrize("father, sex, expected", [
    ("Асан", "M", "Асанович"),
    ("Асан", "F", "Асановна"),
    ("Али", "M", "Алиевич"),
    ("Али", "F", "Алиевна"),
    ("Игорь", "M", "Игоревич"),
    ("Игорь", "F", "Игоревна"),
    ("Сергей", "M", "Сергеевич"),
    ("Сергей", "F", "Сергеевна"),
])
def test_russian_patronymic(father, sex, expected):
    assert patronymic_ru(father, sex) == expected


def test_russian_patronymic_of_compound_name_left_as_is():
    assert patronymic_ru("Асан Бек", "M") == "Асан Бек"
    assert patronymic_ru("", "F") == ""


@pytest.mark.parametrize("typed, expected", [
    ("Асан уулу", "Асан"),
    ("Асан кызы", "Асан"),
    ("Асан  УУЛУ", "Асан"),
    ("Асанович", "Асан"),
    ("Асановна", "Асан"),
    ("Алиевна", "Али"),
    ("Алиевич", "Али"),
    ("Игоревич", "Игорь"),
    ("Сергеевна", "Сергей"),
    ("Асан", "Асан"),
    ("Абдыкадыр", "Абдыкадыр"),
])
def test_father_name_from(typed, expected):
    assert father_name_from(typed) == expected


@pytest.mark.parametrize("father", ["Асан", "Али", "Игорь", "Сергей"])
@pytest.mark.parametrize("sex", ["M", "F"])
def test_father_name_recovered_from_both_forms(father, sex):
    assert father_name_from(patronymic_ru(father, sex)) == father
    assert father_name_from(patronymic_ky(father, sex)) == father


def test_patronymic_per_language():
    assert patronymic("Асан", "M", "ky") == "Асан уулу"
    assert patronymic("Асан", "M", "ru") == "Асанович"
    assert patronymic("Асан", "F", "ky") == "Асан кызы"
    assert patronymic("Асан", "F", "ru") == "Асановна"


def test_override_wins():
    assert patronymic("Асан", "M", "ru", override="Асанбекович") == "Асанбекович"
    assert patronymic("Асан", "M", "ky", override="Асанбек уулу") == "Асанбек уулу"
    # An empty override means "no override".
    assert patronymic("Асан", "M", "ru", override="") == "Асанович"


def test_full_name_in_both_languages():
    assert full_name("Асанов", "Бакыт", "Асан", "M", "ky") == "Асанов Бакыт Асан уулу"
    assert full_name("Асанов", "Бакыт", "Асан", "M", "ru") == "Асанов Бакыт Асанович"
    assert full_name("Асанова", "Айгүл", "Али", "F", "ky") == "Асанова Айгүл Али кызы"
    assert full_name("Асанова", "Айгүл", "Али", "F", "ru") == "Асанова Айгүл Алиевна"


def test_full_name_with_override_and_without_father():
    assert full_name("Асанов", "Бакыт", "Асан", "M", "ru", override="Асанбекович") == "Асанов Бакыт Асанбекович"
    assert full_name("Асанов", "Бакыт", "", "M", "ru") == "Асанов Бакыт"
    assert full_name("Асанов", "Бакыт", "", "M", "ky") == "Асанов Бакыт"


def test_module_exports_fixed_name_type():
    assert isinstance(fix_lookalikes("x"), names.FixedName)


@pytest.mark.parametrize("father, male, female", [
    ("Юрий", "Юрьевич", "Юрьевна"), ("Василий", "Васильевич", "Васильевна"), ("Павел", "Павлович", "Павловна"),
    ("Михаил", "Михайлович", "Михайловна"), ("Пётр", "Петрович", "Петровна"), ("Илья", "Ильич", "Ильинична"),
    ("Сергей", "Сергеевич", "Сергеевна"), ("Асылбек", "Асылбекович", "Асылбековна"),
])
def test_russian_patronymics_of_irregular_and_ii_names(father, male, female):
    assert names.patronymic_ru(father, "M") == male
    assert names.patronymic_ru(father, "F") == female


def test_uulu_surname_gets_no_second_patronymic():
    assert names.full_name("Асан уулу", "Нурлан", "Асан", "M", "ky") == "Асан уулу Нурлан"
    assert names.full_name("Асан кызы", "Айгүл", "Асан", "F", "ru") == "Асан кызы Айгүл"
    assert names.full_name("Асан уулу", "Нурлан", "Асан", "M", "ru", override="Асанович") == "Асан уулу Нурлан Асанович"
    assert names.father_name_from("Юрьевич") == "Юрий"
