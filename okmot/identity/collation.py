"""Kyrgyz alphabetical order (а б в г д е ё ж з и й к л м н ң о ө п р с т у ү ф х ц ч ш щ ъ ы ь э ю я)."""

from __future__ import annotations

from functools import lru_cache

from okmot.identity.names import fix_lookalikes

#: The Kyrgyz Cyrillic alphabet in dictionary order. Python's default order puts ң, ө and ү after
#: я (their code points are far from the Russian block), which is wrong for every Kyrgyz list.
ALPHABET = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"

_SEPARATORS = " -'’.,"
# Build one translation table: separators sort first, then digits, then Kyrgyz letters in
# alphabet order, then anything else (Latin words, signs) in code-point order after them.
_SEP_CODE = "\u0001"
_LETTER_BASE = 0x3000
_OTHER_BASE = 0x4000
_TABLE: dict[int, str] = {ord(ch): _SEP_CODE for ch in _SEPARATORS}
for _i, _ch in enumerate(ALPHABET):
    _TABLE[ord(_ch)] = chr(_LETTER_BASE + _i)


@lru_cache(maxsize=1 << 16)
def _primary(text: str) -> str:
    # Cached: a village's 50 000 residents share a few thousand names, and sorting a list calls this
    # for every part of every name.
    folded = fix_lookalikes(text).text.casefold()
    out = []
    for ch in folded:
        mapped = _TABLE.get(ord(ch))
        if mapped is None:
            code = ord(ch)
            mapped = ch if ch in "0123456789" else chr(_OTHER_BASE + code) if code < 0xB000 else ch
        out.append(mapped)
    return "".join(out)


def sort_key(text: str) -> tuple[str, str]:
    """Key for sorting words in Kyrgyz order: letters first, case and look-alikes only break ties."""
    return (_primary(text), text)


def name_key(surname: str, given_name: str = "", father_name: str = "") -> tuple[str, ...]:
    """Key for a person: surname, then given name, then father's name, each in Kyrgyz order."""
    return (_primary(surname), _primary(given_name), _primary(father_name), surname, given_name, father_name)


def initial(text: str) -> str:
    """The heading letter a name is listed under (upper case; look-alikes fixed; "#" for no letter)."""
    fixed = fix_lookalikes(text).text.strip()
    return fixed[:1].upper() if fixed and fixed[0].isalpha() else "#"


def sorted_kyrgyz(words: list[str]) -> list[str]:
    return sorted(words, key=sort_key)
