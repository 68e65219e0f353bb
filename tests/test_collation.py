"""Kyrgyz alphabetical order: ң after н, ө after о, ү after у, ё after е; case and look-alikes do not matter."""

from __future__ import annotations

from okmot.identity import collation


def test_alphabet_is_the_kyrgyz_one():
    assert collation.ALPHABET == "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"
    letters = list(collation.ALPHABET)
    shuffled = letters[::-1]
    assert collation.sorted_kyrgyz(shuffled) == letters


def test_kyrgyz_letters_sort_inside_the_alphabet_not_after_ya():
    words = ["Яковлев", "Үсөнов", "Умаров", "Фёдоров", "Өмүров", "Осмонов", "Пак", "Ңаа", "Нуров", "Ёлкин",
             "Ермеков", "Жумаев"]
    assert collation.sorted_kyrgyz(words) == ["Ермеков", "Ёлкин", "Жумаев", "Нуров", "Ңаа", "Осмонов", "Өмүров",
                                              "Пак", "Умаров", "Үсөнов", "Фёдоров", "Яковлев"]
    # Python's own order gets this wrong, which is why the key exists.
    assert sorted(words)[-1] != "Яковлев"


def test_case_and_latin_lookalikes_do_not_change_the_place():
    words = ["осмонов", "Acaнов", "Өмүров", "ОМУРОВ", "асанбеков"]
    assert collation.sorted_kyrgyz(words) == ["асанбеков", "Acaнов", "ОМУРОВ", "осмонов", "Өмүров"]


def test_names_sort_by_surname_then_given_then_father():
    people = [("Үсөнов", "Бекзат", "Асан"), ("Үсөнов", "Айгүл", ""), ("Усенов", "Жамила", ""),
              ("Үсөнов", "Бекзат", "Ажы")]
    people.sort(key=lambda p: collation.name_key(*p))
    assert people == [("Усенов", "Жамила", ""), ("Үсөнов", "Айгүл", ""), ("Үсөнов", "Бекзат", "Ажы"),
                      ("Үсөнов", "Бекзат", "Асан")]


def test_hyphen_and_space_sort_before_letters_and_latin_after_cyrillic():
    assert collation.sorted_kyrgyz(["Ак-Суу", "Акбар", "Smith", "Ак Суу"])[-1] == "Smith"
    assert collation.sorted_kyrgyz(["Акбар", "Ак-Суу"]) == ["Ак-Суу", "Акбар"]


def test_initial_letter():
    assert collation.initial("өмүров") == "Ө"
    assert collation.initial("Oсмонов") == "О"  # a Latin O read as the Cyrillic letter
    assert collation.initial("") == "#"


def test_alphabetical_book_in_kyrgyz_order_with_filters(tmp_path):
    import datetime as dt

    from okmot.services import alphabet, households
    from okmot.services.persons import PersonData
    from tests import village

    ctx = village.build(tmp_path / "v.sqlite3", households_count=3)
    try:
        with ctx.write() as s:
            hid = households.household_id_by_account(s, "0001")
            households.add_member(s, hid, PersonData("Ңурлан", "Али", "M"), relation="son")
            households.add_member(s, hid, PersonData("Нуров", "Али", "M", residence_status="left",
                                                     status_date=dt.date(2020, 1, 1)), relation="son")
        with ctx.read() as s:
            rows = alphabet.alphabetical_book(s)
            names = [r.surname for r in rows]
            assert names == ["Асанов", "Асанова", "Нуров", "Ңурлан", "Өмүрбеков", "Өмүрбекова", "Үсөнов", "Үсөнова"]
            assert rows[3].letter == "Ң" and rows[3].account_number == "0001"
            living = [r.surname for r in alphabet.alphabetical_book(s, statuses=("living",))]
            assert "Нуров" not in living and len(living) == 7
            v1 = rows[0].village_id
            in_v1 = alphabet.alphabetical_book(s, village_id=v1)
            assert {r.account_number for r in in_v1} == {"0001", "0003"}
            assert in_v1[0].full_name("ky") == "Асанов Бекзат Асан уулу"
    finally:
        ctx.close()
