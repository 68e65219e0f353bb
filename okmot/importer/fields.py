"""The columns the importer knows: bilingual template headers and the other spellings found in real books.

The headers are a file format shared between offices (a Kyrgyz clerk and a Russian-speaking one
exchange the same template), so they are fixed Kyrgyz / Russian text rather than translated
per user; the English key and label of each column are what the interface shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from okmot import codes
from okmot.i18n import N_, _

PERSONS, FARM = "persons", "farm"


@dataclass(frozen=True)
class Field:
    key: str
    sheet: str
    #: The template's header: "Kyrgyz / Russian".
    header: str
    #: English label, translated for the interface.
    label: str
    required: bool = False
    #: Other headers that mean this column (compared after normalising).
    aliases: tuple[str, ...] = ()

    @property
    def label_text(self) -> str:
        return _(self.label)


PERSON_FIELDS: tuple[Field, ...] = (
    Field("account_number", PERSONS, "Жеке эсеп № / Лицевой счёт №", N_("Account No."), True,
          ("жеке эсеп", "лицевой счет", "лицевой счёт", "л/с", "№ л/с", "лиц. счет", "account", "account number")),
    Field("village", PERSONS, "Айыл / Село", N_("Village"), True,
          ("айыл", "село", "населенный пункт", "калктуу конуш", "village")),
    Field("street", PERSONS, "Көчө / Улица", N_("Street"), False, ("көчө", "улица", "ул", "street")),
    Field("house_number", PERSONS, "Үй № / Дом №", N_("House No."), False,
          ("үй", "дом", "№ дома", "номер дома", "house", "house number")),
    Field("address_note", PERSONS, "Дарек (эркин) / Адрес (свободно)", N_("Address note"), False,
          ("дарек", "адрес", "address", "address note")),
    Field("relation", PERSONS, "Башчыга мамилеси / Отношение к главе", N_("Relation to the head"), False,
          ("туугандык мамилеси", "мамилеси", "отношение к главе", "отношение", "родство", "relation")),
    Field("surname", PERSONS, "Фамилиясы / Фамилия", N_("Surname"), True, ("фамилиясы", "фамилия", "surname")),
    Field("given_name", PERSONS, "Аты / Имя", N_("Given name"), True, ("аты", "имя", "given name", "name")),
    Field("father_name", PERSONS, "Атасынын аты / Отчество", N_("Father's name"), False,
          ("атасынын аты", "отчество", "father's name", "father", "patronymic")),
    Field("sex", PERSONS, "Жынысы / Пол", N_("Sex"), False, ("жынысы", "пол", "sex")),
    Field("birth_date", PERSONS, "Туулган күнү / Дата рождения", N_("Birth date"), False,
          ("туулган күнү", "туулган датасы", "дата рождения", "birth date", "д.р.")),
    Field("pin", PERSONS, "ПИН / ПИН", N_("PIN"), False, ("пин", "инн", "пин/инн", "pin")),
    Field("residence_status", PERSONS, "Абалы / Статус", N_("Residence status"), False,
          ("абалы", "статус", "status", "residence status")),
    Field("status_date", PERSONS, "Абалдын күнү / Дата статуса", N_("Status date"), False,
          ("абалдын күнү", "дата статуса", "status date")),
)

#: Land categories and species with their Kyrgyz / Russian column headers (sheet 2).
_LAND_HEADERS = {
    "household_plot": "Короо алдындагы жер, га / Приусадебный участок, га",
    "irrigated_arable": "Сугат айдоо жер, га / Орошаемая пашня, га",
    "rainfed_arable": "Кайрак айдоо жер, га / Богарная пашня, га",
    "garden": "Бак жана бакча, га / Сад и огород, га",
    "hayfield": "Чабынды, га / Сенокос, га",
    "pasture": "Жайыт, га / Пастбище, га",
    "leased_state_fund": "АЖМФтен ижарага, га / Аренда из Фонда перераспределения, га",
}
_SPECIES_HEADERS = {
    "cattle": "Бодо мал / КРС",
    "cows": "Анын ичинде уй / В т. ч. коровы",
    "sheep": "Кой / Овцы",
    "goats": "Эчки / Козы",
    "horses": "Жылкы / Лошади",
    "pigs": "Чочко / Свиньи",
    "yaks": "Топоз / Яки",
    "camels": "Төө / Верблюды",
    "poultry": "Канаттуулар / Птица",
    "rabbits": "Коён / Кролики",
    "bee_colonies": "Бал аары үй-бүлөсү / Пчелосемьи",
}

FARM_FIELDS: tuple[Field, ...] = (
    Field("account_number", FARM, "Жеке эсеп № / Лицевой счёт №", N_("Account No."), True,
          PERSON_FIELDS[0].aliases),
    Field("year", FARM, "Жыл (1-январь) / Год (на 1 января)", N_("Year (1 January)"), True,
          ("жыл", "год", "year")),
    *(Field(f"land:{code}", FARM, header, codes.LAND_CATEGORIES[code], False, (f"land:{code}",))
      for code, header in _LAND_HEADERS.items()),
    *(Field(f"livestock:{code}", FARM, header, codes.SPECIES[code], False, (f"livestock:{code}",))
      for code, header in _SPECIES_HEADERS.items()),
)

FIELDS = {PERSONS: PERSON_FIELDS, FARM: FARM_FIELDS}


def field(sheet: str, key: str) -> Field:
    return next(f for f in FIELDS[sheet] if f.key == key)
