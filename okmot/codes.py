"""Code lists of the household book, stored as stable codes and shown through translated labels."""

from __future__ import annotations

from okmot.i18n import N_, _

SEXES = {"F": N_("female"), "M": N_("male")}

RESIDENCE_STATUSES = {
    "living": N_("living"),
    "temporarily_absent": N_("temporarily absent"),
    "left": N_("left"),
    "deceased": N_("deceased"),
}

HOUSEHOLD_STATUSES = {"open": N_("open"), "closed": N_("closed")}

RELATIONS = {
    "head": N_("head of household"),
    "spouse": N_("spouse"),
    "son": N_("son"),
    "daughter": N_("daughter"),
    "father": N_("father"),
    "mother": N_("mother"),
    "brother": N_("brother"),
    "sister": N_("sister"),
    "grandson": N_("grandson"),
    "granddaughter": N_("granddaughter"),
    "son_in_law": N_("son-in-law"),
    "daughter_in_law": N_("daughter-in-law"),
    "grandfather": N_("grandfather"),
    "grandmother": N_("grandmother"),
    "other_relative": N_("other relative"),
    "not_related": N_("not related"),
}

NATIONALITIES = {
    "kyrgyz": N_("Kyrgyz"),
    "uzbek": N_("Uzbek"),
    "russian": N_("Russian"),
    "dungan": N_("Dungan"),
    "uighur": N_("Uighur"),
    "tajik": N_("Tajik"),
    "kazakh": N_("Kazakh"),
    "turkish": N_("Turkish"),
    "tatar": N_("Tatar"),
    "other": N_("other nationality"),
}

EDUCATION = {
    "none": N_("no education"),
    "primary": N_("primary"),
    "basic_secondary": N_("basic secondary"),
    "secondary": N_("general secondary"),
    "vocational": N_("vocational"),
    "incomplete_higher": N_("incomplete higher"),
    "higher": N_("higher"),
}

SOCIAL_CATEGORIES = {
    "pensioner": N_("pensioner"),
    "disabled": N_("person with disability"),
    "veteran": N_("war veteran"),
    "low_income": N_("low-income family"),
    "large_family": N_("large family"),
    "orphan": N_("orphan"),
    "single_mother": N_("single mother"),
    "labour_migrant": N_("labour migrant"),
}

DWELLING_KINDS = {"house": N_("individual house"), "part_house": N_("part of a house"),
                  "apartment": N_("apartment"), "other": N_("other dwelling")}

WALL_MATERIALS = {"brick": N_("brick"), "adobe": N_("adobe"), "concrete": N_("concrete or block"),
                  "wood": N_("wood"), "other": N_("other material")}

LAND_CATEGORIES = {
    "household_plot": N_("household plot"),
    "irrigated_arable": N_("irrigated arable land"),
    "rainfed_arable": N_("rain-fed arable land"),
    "garden": N_("garden and orchard"),
    "hayfield": N_("hayfield"),
    "pasture": N_("pasture"),
    "leased_state_fund": N_("leased from the State agricultural land fund"),
}

#: Species in the order of the household book's livestock section. "cows" counts the cows
#: among the cattle ("of them cows"), so it is never more than "cattle".
SPECIES = {
    "cattle": N_("cattle"),
    "cows": N_("of them cows"),
    "sheep": N_("sheep"),
    "goats": N_("goats"),
    "horses": N_("horses"),
    "pigs": N_("pigs"),
    "yaks": N_("yaks"),
    "camels": N_("camels"),
    "poultry": N_("poultry"),
    "rabbits": N_("rabbits"),
    "bee_colonies": N_("bee colonies"),
}

MACHINERY_KINDS = {"tractor": N_("tractor"), "truck": N_("truck"), "car": N_("car"),
                   "combine": N_("combine harvester"), "other": N_("other machinery")}

ROLES = {"admin": N_("administrator"), "head": N_("head (signatory)"), "clerk": N_("clerk or secretary"),
         "accountant": N_("accountant"), "district": N_("district operator"), "viewer": N_("viewer")}


def label(table: dict[str, str], code: str | None) -> str:
    """The translated label of a code; the code itself if it is unknown (imported data)."""
    if not code:
        return ""
    return _(table[code]) if code in table else code

# --- movements of the household book (okmot.services.movements) ---------------------------------

MOVEMENT_KINDS = {
    "birth": N_("birth"),
    "death": N_("death"),
    "arrival": N_("arrival"),
    "departure": N_("departure"),
    "transfer": N_("transfer to another household"),
    "split": N_("new household split off"),
    "head_change": N_("change of head"),
    "close": N_("household closed"),
    "reopen": N_("household reopened"),
    "merge": N_("duplicate records merged"),
    "correction": N_("correction of an entry"),
    "cancellation": N_("entry cancelled as a mistake"),
}

#: The document a movement is based on.
BASIS_KINDS = {
    "application": N_("application of the resident"),
    "passport": N_("passport"),
    "birth_certificate": N_("birth certificate"),
    "death_certificate": N_("death certificate"),
    "address_sheet": N_("address sheet (arrival or departure)"),
    "marriage_certificate": N_("marriage certificate"),
    "court_decision": N_("court decision"),
    "round_visit": N_("1 January round visit"),
    "other": N_("other document"),
}
