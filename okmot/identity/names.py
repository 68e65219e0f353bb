"""Personal names: Latin look-alike letters fixed, search keys, and patronymics rendered per language."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Latin (and a few other scripts') letters that look like Cyrillic ones. Typed inside a Cyrillic
# word they break search and sorting, the top complaint about earlier household-book software.
_LOOKALIKES = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р",
    "T": "Т", "X": "Х", "Y": "У", "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х",
    "y": "у", "k": "к", "Ë": "Ё", "ë": "ё",
    # Substitutes for the Kyrgyz letters on keyboards without a Kyrgyz layout.
    "Ɵ": "Ө", "ɵ": "ө", "Θ": "Ө", "θ": "ө", "Ö": "Ө", "ö": "ө", "Ӧ": "Ө", "ӧ": "ө",
    "Ü": "Ү", "ü": "ү", "Ұ": "Ү", "ұ": "ү", "Ӱ": "Ү", "ӱ": "ү",
    "Ҥ": "Ң", "ҥ": "ң", "Ӊ": "Ң", "ӊ": "ң", "Ŋ": "Ң", "ŋ": "ң",
}
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_WORD = re.compile(r"[^\s\-']+")


@dataclass(frozen=True)
class FixedName:
    text: str
    #: The characters that were replaced, as (wrong, right) pairs; empty when nothing was.
    replaced: tuple[tuple[str, str], ...]

    @property
    def changed(self) -> bool:
        return bool(self.replaced)


def fix_lookalikes(text: str) -> FixedName:
    """Replace look-alike letters inside words that are otherwise Cyrillic; tidy spaces.

    A word written wholly in Latin (a foreign name) is left alone.
    """
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    replaced: list[tuple[str, str]] = []

    def fix_word(match: re.Match) -> str:
        word = match.group(0)
        if not _CYRILLIC.search(word):
            return word
        out = []
        for ch in word:
            sub = _LOOKALIKES.get(ch)
            if sub:
                replaced.append((ch, sub))
                out.append(sub)
            else:
                out.append(ch)
        return "".join(out)

    return FixedName(_WORD.sub(fix_word, text), tuple(replaced))


def search_key(text: str) -> str:
    """The form used to index and search names: look-alikes fixed, case folded, ё read as е.

    Kyrgyz letters stay distinct (ө is not о): they are different letters, not accents.
    """
    fixed = fix_lookalikes(text).text
    # A bare fragment typed in the search box may be Latin look-alikes only ("Ao"): fold those too.
    folded = "".join(_LOOKALIKES.get(ch, ch) for ch in fixed).casefold()
    return folded.replace("ё", "е")


_RU_MALE_ENDINGS = ("ович", "евич", "ич")
_RU_FEMALE_ENDINGS = ("овна", "евна", "ична", "инична")
_KY_SUFFIXES = ("уулу", "кызы")


def father_name_from(text: str) -> str:
    """The father's given name from whatever was typed: "Асан", "Асан уулу" or "Асанович"."""
    words = text.split()
    if len(words) >= 2 and words[-1].casefold() in _KY_SUFFIXES:
        return " ".join(words[:-1])
    word = text.strip()
    low = word.casefold()
    for ending in ("ович", "овна"):
        if low.endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)]
    for ending in ("ьевич", "ьевна"):
        if low.endswith(ending) and len(word) > len(ending) + 1:
            return word[: -len(ending)] + "ий"
    for ending in ("евич", "евна"):
        if low.endswith(ending) and len(word) > len(ending) + 1:
            stem = word[: -len(ending)]
            # Алиевич → Али, Игоревич → Игорь, Сергеевич → Сергей: the stem's last letter decides.
            if stem[-1].casefold() in "аеиоуыэюяүө":
                return stem if stem[-1].casefold() in "иоуыүө" else stem + "й"
            return stem + "ь" if stem[-1].casefold() in "рл" else stem
    return word


def patronymic_ky(father: str, sex: str) -> str:
    """Kyrgyz form: "Асан уулу" for a son, "Асан кызы" for a daughter."""
    if not father:
        return ""
    return f"{father} {'уулу' if sex == 'M' else 'кызы'}"


#: Russian given names whose patronymic does not follow the general rule.
_RU_IRREGULAR = {
    "павел": ("Павлович", "Павловна"), "пётр": ("Петрович", "Петровна"), "петр": ("Петрович", "Петровна"),
    "михаил": ("Михайлович", "Михайловна"), "лев": ("Львович", "Львовна"), "илья": ("Ильич", "Ильинична"),
    "никита": ("Никитич", "Никитична"), "фома": ("Фомич", "Фоминична"), "кузьма": ("Кузьмич", "Кузьминична"),
    "яков": ("Яковлевич", "Яковлевна"),
}


def patronymic_ru(father: str, sex: str) -> str:
    """Russian form: "Асанович" / "Асановна", "Алиевич" / "Алиевна", "Юрьевич", "Сергеевна", "Павлович"."""
    if not father or " " in father.strip():
        # A compound father's name has no Russian derivation: the clerk overrides if needed.
        return father
    base = father.strip()
    irregular = _RU_IRREGULAR.get(base.casefold())
    if irregular:
        return irregular[0 if sex == "M" else 1]
    low = base.casefold()
    if low.endswith("ий") and len(base) > 3:
        # Юрий → Юрьевич, Василий → Васильевич, Анатолий → Анатольевич.
        stem, male, female = base[:-2], "ьевич", "ьевна"
    elif low[-1] in "йь":
        stem, male, female = base[:-1], "евич", "евна"
    elif low[-1] in "аеиоуыэюяүө":
        stem, male, female = base, "евич", "евна"
    elif low[-1] in "жчшщц":
        stem, male, female = base, "евич", "евна"
    else:
        stem, male, female = base, "ович", "овна"
    return stem + (male if sex == "M" else female)


def patronymic(father: str, sex: str, language: str, *, override: str | None = None) -> str:
    if override:
        return override
    return patronymic_ky(father, sex) if language == "ky" else patronymic_ru(father, sex)


def surname_is_patronymic(surname: str) -> bool:
    """A surname of the form "Асан уулу" / "Асан кызы" already says whose child the person is."""
    words = surname.split()
    return len(words) >= 2 and words[-1].casefold() in _KY_SUFFIXES


def full_name(surname: str, given_name: str, father: str, sex: str, language: str,
              *, override: str | None = None) -> str:
    """Surname, given name and the patronymic in the form of ``language``.

    For a surname like "Асан уулу" no patronymic is added ("Асан уулу Нурлан", in both
    languages) unless the clerk entered one by hand.
    """
    if surname_is_patronymic(surname) and not override:
        father = ""
    parts = [surname, given_name, patronymic(father, sex, language, override=override)]
    return " ".join(p for p in parts if p)
