"""Household list model: fetches pages lazily so 10 000 households scroll smoothly."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from okmot.codes import HOUSEHOLD_STATUSES, label
from okmot.i18n import _, current_language
from okmot.services.search import HouseholdRow

PAGE_SIZE = 200
#: Column keys in display order.
COLUMNS = ("account", "head", "village", "address", "members", "status")
IdRole = Qt.ItemDataRole.UserRole + 1

Fetch = Callable[[int, int], list[HouseholdRow]]


def _headers() -> dict[str, str]:
    return {
        "account": _("Account No."),
        "head": _("Head of household"),
        "village": _("Village"),
        "address": _("Address"),
        "members": _("Members"),
        "status": _("Status"),
    }


class HouseholdListModel(QAbstractTableModel):
    """Rows come from ``fetch(offset, limit)``; more are fetched only as the view scrolls."""

    def __init__(self, fetch: Fetch, parent=None):
        super().__init__(parent)
        self._fetch = fetch
        self._rows: list[HouseholdRow] = []
        self._more = True

    # --- loading --------------------------------------------------------------------------

    def reload(self, fetch: Fetch | None = None, *, first_page: list[HouseholdRow] | None = None) -> None:
        """Start again from the first page (given, when the caller already read it with its total)."""
        self.beginResetModel()
        if fetch is not None:
            self._fetch = fetch
        self._rows = list(first_page or [])
        self._more = first_page is None or len(first_page) == PAGE_SIZE
        self.endResetModel()
        if first_page is None and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid() or not self._more:
            return
        page = self._fetch(len(self._rows), PAGE_SIZE)
        self._more = len(page) == PAGE_SIZE
        if page:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    def row_at(self, row: int) -> HouseholdRow:
        return self._rows[row]

    def row_of(self, household_id) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == household_id), -1)

    @property
    def complete(self) -> bool:
        """True when every matching household is loaded (no page left to fetch)."""
        return not self._more

    def last_row(self) -> HouseholdRow | None:
        return self._rows[-1] if self._rows else None

    def replace_row(self, row: int, fresh: HouseholdRow) -> None:
        """Show a changed household's new values in place (the selection stays where it is)."""
        self._rows[row] = fresh
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def remove_row(self, row: int) -> None:
        """Drop a household that no longer matches the search."""
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()

    # --- Qt model API -----------------------------------------------------------------------

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
        row = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            lang = current_language()
            return {
                "account": row.account_number,
                "head": row.head or _("(no head)"),
                "village": row.village(lang),
                "address": row.address(lang),
                "members": row.members,
                "status": label(HOUSEHOLD_STATUSES, row.status),
            }[column]
        if role == IdRole:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and row.status == "closed":
            return QBrush(QColor("#777777"))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "members":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
