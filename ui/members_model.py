"""Table model of a household's members, current and (optionally) former."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from okmot import codes
from okmot.i18n import _, current_language
from okmot.services.households import MemberRow
from ui.forms import format_date

COLUMNS = ("name", "relation", "sex", "birth_date", "pin", "status", "from", "to")
PersonIdRole = Qt.ItemDataRole.UserRole + 1


def _headers() -> dict[str, str]:
    return {"name": _("Full name"), "relation": _("Relation to the head"), "sex": _("Sex"),
            "birth_date": _("Birth date"), "pin": _("PIN"), "status": _("Residence status"),
            "from": _("Member since"), "to": _("Member until")}


class MembersModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[MemberRow] = []

    def set_rows(self, rows: list[MemberRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def member_at(self, row: int) -> MemberRow:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(COLUMNS):
            return _headers()[COLUMNS[section]]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        m = self._rows[index.row()]
        d = m.person.data
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                "name": m.person.full_name(current_language()),
                "relation": codes.label(codes.RELATIONS, m.relation),
                "sex": codes.label(codes.SEXES, d.sex),
                "birth_date": format_date(d.birth_date),
                "pin": d.pin,
                "status": codes.label(codes.RESIDENCE_STATUSES, d.residence_status),
                "from": format_date(m.from_date),
                "to": format_date(m.to_date),
            }[column]
        if role == PersonIdRole:
            return m.person.id
        if role == Qt.ItemDataRole.ForegroundRole and (not m.current or d.residence_status in ("left", "deceased")):
            return QBrush(QColor("#777777"))
        if role == Qt.ItemDataRole.ToolTipRole and d.pin_override_reason:
            return _("PIN kept despite a disagreement: {reason}").format(reason=d.pin_override_reason)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
