"""Property-based tests of the person validator behind every form and the import: a clear error or a clean
save, never a crash and never half a write."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from okmot import codes
from okmot.errors import UserError
from okmot.models import ChangeLog, Membership, Person
from okmot.services import households, persons
from okmot.services.persons import PersonData
from tests import village

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
_code = lambda table: st.one_of(st.sampled_from(sorted(table)), _text)  # noqa: E731
_person = st.builds(
    PersonData, surname=_text, given_name=_text, sex=_code(codes.SEXES), father_name=_text,
    birth_date=st.one_of(st.none(), st.dates(dt.date(1850, 1, 1), dt.date(2100, 1, 1))),
    pin=st.one_of(_text, st.from_regex(r"\A[12][0-9]{13}\Z")), nationality=_code(codes.NATIONALITIES),
    education=_code(codes.EDUCATION), occupation=_text, phone=_text, note=_text,
    social_categories=st.lists(_code(codes.SOCIAL_CATEGORIES), max_size=3).map(tuple),
    disability_group=st.one_of(st.none(), st.integers(-5, 9)),
    residence_status=_code(codes.RESIDENCE_STATUSES))


def _counts(ctx) -> tuple[int, int, int]:
    with ctx.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Person, Membership, ChangeLog))


def test_check_person_never_crashes_and_a_refused_member_leaves_nothing(tmp_path) -> None:
    ctx = village.build(tmp_path / "okmot.sqlite3", households_count=1)
    try:
        with ctx.read() as s:
            hid = households.household_id_by_account(s, "0001")

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(data=_person, relation=_code(codes.RELATIONS))
        def run(data: PersonData, relation: str) -> None:
            with ctx.read() as s:
                checked = persons.check_person(s, data)
            assert isinstance(checked.errors, dict)
            before = _counts(ctx)
            try:
                with ctx.write() as s:
                    households.add_member(s, hid, data, relation=relation)
            except UserError as exc:
                assert exc.message.strip()
                assert _counts(ctx) == before
            else:
                assert not checked.errors
                after = _counts(ctx)
                assert after[0] == before[0] + 1 and after[1] == before[1] + 1

        run()
    finally:
        ctx.close()
