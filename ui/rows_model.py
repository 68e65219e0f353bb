"""A read-only table model over a list of frozen records, with per-row highlighting (overdue, cancelled)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

RecordRole = Qt.ItemDataRole.UserRole + 1
OVERDUE = QColor("#f8d0d0")
MUTED = QColor("#777777")


@dataclass(frozen=True)
class Col:
    header: str
    text: Callable[[object], str]
    align_right: bool = False
    bold: bool = False
    #: A colour for this column's text only (the model's ``foreground`` colours whole rows).
    foreground: Callable[[object], QColor | None] | None = None


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Col], *, background: Callable[[object], QColor | None] | None = None,
                 foreground: Callable[[object], QColor | None] | None = None,
                 tooltip: Callable[[object], str | None] | None = None, parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list = []
        self._background = background
        self._foreground = foreground
        self._tooltip = tooltip

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int):
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows) or not 0 <= index.column() < len(self.columns):
            return None
        rec, col = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(rec)
        if role == RecordRole:
            return rec
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self._background is not None:
            color = self._background(rec)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.ForegroundRole:
            paint = col.foreground or self._foreground
            color = paint(rec) if paint is not None else None
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and self._tooltip is not None:
            return self._tooltip(rec) or None
        if role == Qt.ItemDataRole.FontRole and col.bold:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].header
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None
