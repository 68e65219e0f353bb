"""Table model of a household's members, current and (optionally) former."""

from __future__ import annotations

from okmot import codes
from okmot.i18n import _, current_language
from okmot.services.households import MemberRow
from ui.forms import format_date
from ui.rows_model import MUTED, Col, RowsModel


def _former(m: MemberRow):
    # Former members and those who left or died stay visible, greyed out.
    return MUTED if not m.current or m.person.data.residence_status in ("left", "deceased") else None


def _pin_note(m: MemberRow) -> str | None:
    reason = m.person.data.pin_override_reason
    return _("PIN kept despite a disagreement: {reason}").format(reason=reason) if reason else None


class MembersModel(RowsModel):
    def __init__(self, parent=None):
        super().__init__([
            Col(_("Full name"), lambda m: m.person.full_name(current_language())),
            Col(_("Relation to the head"), lambda m: codes.label(codes.RELATIONS, m.relation)),
            Col(_("Sex"), lambda m: codes.label(codes.SEXES, m.person.data.sex)),
            Col(_("Birth date"), lambda m: format_date(m.person.data.birth_date)),
            Col(_("PIN"), lambda m: m.person.data.pin),
            Col(_("Residence status"), lambda m: codes.label(codes.RESIDENCE_STATUSES, m.person.data.residence_status)),
            Col(_("Member since"), lambda m: format_date(m.from_date)),
            Col(_("Member until"), lambda m: format_date(m.to_date)),
        ], foreground=_former, tooltip=_pin_note, parent=parent)
