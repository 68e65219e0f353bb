"""The main window: the household list with search as you type, filters, and the household card."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMainWindow, QSizePolicy,
    QTableView, QToolBar, QVBoxLayout, QWidget,
)

from okmot import APP_NAME, codes, permissions
from okmot.i18n import LANGUAGE_NAMES, _, current_language, set_language
from okmot.services import search, territory
from okmot.services.context import AppContext
from okmot.services.search import HouseholdFilter
from ui.backup_keeper import BackupKeeper
from ui.bus import bus
from ui.forms import DateField, format_date
from ui.household_card import HouseholdDialog
from ui.household_model import PAGE_SIZE, HouseholdListModel, IdRole
from ui.movement_dialogs import ArrivalDialog
from ui.new_household import NewHouseholdDialog
from ui.uisettings import qsettings, save_language
from ui.users_dialog import ChangePasswordDialog, UsersDialog
from ui.idle_lock import IdleLock
from ui.help_menu import add_help_menu
from ui.services_menu import add_services_menu

SEARCH_DELAY_MS = 150
#: A write that changed more households than this reads the list again instead of row by row.
ROW_REFRESH_MAX = 50
#: Search as you type stops counting matches here ("more than 1000"): counting every household that
#: has someone named "А…" costs more than the page itself.
COUNT_LIMIT = 1000


def _window(module: str, name: str):
    """A window class imported when it is first opened, not at start (the district window alone pulls in
    openpyxl, the report dialog the PDF and spreadsheet writers: about a second of a cold start)."""
    return getattr(importlib.import_module(module), name)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self.model = HouseholdListModel(self._fetch, self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.backups = BackupKeeper(ctx, self)
        self.backups.daily()
        self.idle = IdleLock(ctx, self)
        self._build()
        bus.changed.connect(self._on_changed)
        geometry = qsettings().value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 700)
        self.refresh()

    # --- building and translating -------------------------------------------------------------

    def _build(self) -> None:
        with self.ctx.read() as s:
            office = territory.home_office(s)
            villages = territory.list_villages(s)
        self.office = office
        self.setWindowTitle(f"{APP_NAME} — {office.name()}" if office else APP_NAME)

        toolbar = QToolBar(_("Main"))
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        self.new_action = QAction(_("New household"), self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_household)
        self.open_action = QAction(_("Open"), self)
        self.open_action.triggered.connect(self.open_selected)
        other = "ru" if current_language() == "ky" else "ky"
        self.language_action = QAction(LANGUAGE_NAMES[other], self)
        self.language_action.setToolTip(_("Switch the interface language"))
        self.language_action.triggered.connect(lambda: self.switch_language(other))
        toolbar.addAction(self.new_action)
        toolbar.addAction(self.open_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addAction(self.language_action)
        self._build_menus()
        old = self.findChild(QToolBar, "main_toolbar")
        if old is not None:
            self.removeToolBar(old)
            old.deleteLater()
        self.addToolBar(toolbar)

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("search")
        self.search_edit.setPlaceholderText(_("Search: account No., surname, given name, PIN, village, street"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_now)
        self.village_filter = QComboBox()
        self.village_filter.addItem(_("All villages"), None)
        for v in villages:
            self.village_filter.addItem(v.name(), v.id)
        self.status_filter = QComboBox()
        self.status_filter.addItem(_("Open and closed"), None)
        for code in codes.HOUSEHOLD_STATUSES:
            self.status_filter.addItem(codes.label(codes.HOUSEHOLD_STATUSES, code), code)
        self.status_filter.setCurrentIndex(1)
        self.village_filter.currentIndexChanged.connect(self.refresh)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        # The book as it stood on a past date; empty means today.
        self.as_of_edit = DateField()
        self.as_of_edit.setObjectName("as_of")
        self.as_of_edit.setToolTip(_("Show the book as it was on this date; empty for today"))
        self.as_of_edit.editingFinished.connect(self.refresh)

        self.table = QTableView()
        self.table.setObjectName("households")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        # Short columns fit their (translated) header; the address takes the remaining width.
        metrics = header.fontMetrics()
        for col, width in enumerate((90, 260, 130, 0, 70, 90)):
            title = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            self.table.setColumnWidth(col, max(width, metrics.horizontalAdvance(title) + 24))
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.activated.connect(lambda _i: self.open_selected())

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.village_filter)
        top.addWidget(self.status_filter)
        top.addWidget(QLabel(_("As of")))
        top.addWidget(self.as_of_edit)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)

        self.count_label = QLabel()
        self.user_label = QLabel()
        if self.ctx.user:
            self.user_label.setText(_("Signed in: {name}").format(name=self.ctx.user.full_name or self.ctx.user.username))
        status = self.statusBar()
        status.addWidget(self.count_label, 1)
        status.addPermanentWidget(self.backups.label)
        status.addPermanentWidget(self.user_label)
        self.search_edit.setFocus()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        book = bar.addMenu(_("Household book"))
        book.addAction(self.new_action)
        book.addAction(self.open_action)
        self.arrival_action = book.addAction(_("Arrival into a new household…"))
        self.arrival_action.triggered.connect(self.arrival_new_household)
        self.round_action = book.addAction(_("1 January round…"))
        self.round_action.triggered.connect(self.open_round)
        book.addSeparator()
        self.alphabet_action = book.addAction(_("Alphabetical book…"))
        self.alphabet_action.triggered.connect(self._tool("ui.alphabet_window", "AlphabetWindow"))
        self.quality_action = book.addAction(_("Data quality…"))
        self.quality_action.triggered.connect(self._tool("ui.quality_window", "QualityWindow"))
        self.duplicates_action = book.addAction(_("Possible duplicates…"))
        self.duplicates_action.triggered.connect(self._tool("ui.duplicates_window", "DuplicatesWindow"))
        self.import_action = book.addAction(_("Import a book from Excel or CSV…"))
        self.import_action.triggered.connect(self._dialog("ui.import_wizard", "ImportWizard"))
        book.addSeparator()
        quit_action = book.addAction(_("Exit"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        reports_menu = bar.addMenu(_("Reports"))
        self.reports_action = reports_menu.addAction(_("Make a report…"))
        self.reports_action.triggered.connect(self._dialog("ui.report_dialog", "ReportDialog"))
        self.district_action = reports_menu.addAction(_("Offices and sync packages…"))
        self.district_action.triggered.connect(self._dialog("ui.district_window", "DistrictWindow"))
        self.send_action = reports_menu.addAction(_("Send to district…"))
        self.send_action.triggered.connect(self._dialog("ui.sync_export_dialog", "SyncExportDialog"))
        self.send_action.setVisible(self.can("sync.export"))
        add_services_menu(self, self.ctx)
        if self.ctx.user is not None:
            admin = bar.addMenu(_("Administration"))
            self.password_action = admin.addAction(_("Change my password…"))
            self.password_action.triggered.connect(lambda: ChangePasswordDialog(self.ctx, self).exec())
            self.lock_action = admin.addAction(_("Lock the screen"))
            self.lock_action.triggered.connect(self.idle.lock)
            if self.can("user.manage"):
                admin.addSeparator()
                self.users_action = admin.addAction(_("User accounts…"))
                self.users_action.triggered.connect(self.manage_users)
            if self.can("settings.edit"):
                self.settings_action = admin.addAction(_("Settings…"))
                self.settings_action.triggered.connect(self._dialog("ui.settings_dialog", "SettingsDialog"))
            if self.can("reference.apply"):
                self.reference_action = admin.addAction(_("Apply reference package…"))
                self.reference_action.triggered.connect(self._dialog("ui.reference_dialog", "ApplyReferenceDialog"))
            if self.can("audit.view"):
                self.audit_action = admin.addAction(_("Audit trail…"))
                self.audit_action.triggered.connect(self._dialog("ui.audit_window", "AuditWindow"))
        # The services refuse these anyway; hiding them spares the user a refusal.
        self.new_action.setVisible(self.can("household.edit"))
        self.arrival_action.setVisible(self.can("movement.record"))
        self.round_action.setVisible(self.can("farm.edit"))
        self.import_action.setVisible(self.can("import.book"))
        self.reports_action.setVisible(self.can("report.export"))
        add_help_menu(self, self.ctx)

    def can(self, action: str) -> bool:
        """True if the signed-in user's role allows ``action`` (see okmot.permissions)."""
        return permissions.allowed(self.ctx.user.role if self.ctx.user else None, action)

    def _dialog(self, module: str, name: str):
        """A menu action's slot: the dialog ``module.name`` (imported on first use), shown modal."""
        return lambda: _window(module, name)(self.ctx, self).exec()

    def _tool(self, module: str, name: str):
        """A menu action's slot: the book tool ``module.name`` (imported on first use) beside the list."""
        return lambda: self._open_tool(_window(module, name))

    def _open_tool(self, window_class) -> QWidget:
        """A book tool as a window beside the list; it opens households through this window."""
        window = window_class(self.ctx, self.open_household, self)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        return window

    def manage_users(self) -> None:
        UsersDialog(self.ctx, self).exec()

    def switch_language(self, code: str) -> None:
        """Switch every visible string at once: the window is rebuilt in the new language."""
        set_language(code)
        save_language(code)
        text = self.search_edit.text()
        for child in self.statusBar().findChildren(QLabel):
            self.statusBar().removeWidget(child)
            if child is not self.backups.label:  # kept: it belongs to the backup keeper
                child.deleteLater()
        self._build()
        self.backups.refresh()
        self.search_edit.setText(text)
        bus.language_changed.emit(code)
        self.refresh()

    # --- list ----------------------------------------------------------------------------------

    def as_of(self) -> dt.date | None:
        """The past date chosen above the list; None for today (or a date not typed in full)."""
        try:
            value = self.as_of_edit.value()
        except ValueError:
            return None
        return value if value is not None and value < dt.date.today() else None

    def current_filter(self) -> HouseholdFilter:
        return HouseholdFilter(text=self.search_edit.text().strip(), village_id=self.village_filter.currentData(),
                               status=self.status_filter.currentData(), as_of=self.as_of())

    def _fetch(self, offset: int, limit: int):
        with self.ctx.read() as s:
            return search.find_households(s, self.current_filter(), offset=offset, limit=limit)

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.refresh()
        if self.model.rowCount() == 1:
            self.table.selectRow(0)
            self.open_selected()

    def refresh(self) -> None:
        self._search_timer.stop()
        with self.ctx.read() as s:
            first = search.search_households(s, self.current_filter(), limit=PAGE_SIZE, count_limit=COUNT_LIMIT)
        self.model.reload(first_page=first.rows)
        self._show_total(first.total, first.more)
        if self.model.rowCount():
            self.table.selectRow(0)

    def _show_total(self, total: int, more: bool = False) -> None:
        self.total, self.total_more = total, more
        as_of = self.as_of()
        if as_of is None:
            text = _("Households found: more than {n}") if more else _("Households found: {n}")
        else:
            text = (_("Households found: more than {n} (as of {date})") if more
                    else _("Households found: {n} (as of {date})"))
        self.count_label.setText(text.format(n=total, date=format_date(as_of) if as_of else ""))

    def _on_changed(self, changes) -> None:
        if not (changes.households or changes.territory):
            return
        if not changes.territory and len(changes.households) <= ROW_REFRESH_MAX \
                and self._refresh_rows(changes.households):
            return
        selected = self.selected_household()
        self.refresh()
        if selected is not None:
            row = self.model.row_of(selected)
            if row >= 0:
                self.table.selectRow(row)

    def _refresh_rows(self, household_ids) -> bool:
        """Update only the changed households' rows; False when the list must be read again instead.

        Re-running the whole first page after every save cost more than the save itself on a
        10 000-household book. A changed row keeps its place unless its account number changed; a
        household that newly matches inside the loaded rows needs its place found, so that case
        reads the list again. The total is recounted only when a household beyond the loaded rows
        may have started or stopped matching.
        """
        flt = self.current_filter()
        last = self.model.last_row()
        end = None if self.model.complete or last is None else search.account_sort_key(last.account_number)
        recount = False
        with self.ctx.read() as s:
            fresh = {r.id: r for r in search.rows_matching(s, flt, household_ids)}
            for household_id in household_ids:
                row = self.model.row_of(household_id)
                new = fresh.get(household_id)
                if row >= 0:
                    old = self.model.row_at(row)
                    if new is not None and new.account_number != old.account_number:
                        return False
                    if new is None and self.total_more:  # "more than N" minus one: count again
                        return False
                    continue
                beyond = end is not None and (new is None or search.account_sort_key(new.account_number) > end)
                if new is not None and not beyond:
                    return False
                recount = recount or beyond
            if recount and self.total_more:
                return False
            total = search.count_households(s, flt) if recount else None
        removed = 0
        for household_id in household_ids:
            row = self.model.row_of(household_id)
            if row < 0:
                continue
            if household_id in fresh:
                self.model.replace_row(row, fresh[household_id])
            else:
                self.model.remove_row(row)
                removed += 1
        self._show_total(total if total is not None else self.total - removed)
        return True

    def selected_household(self) -> uuid.UUID | None:
        index = self.table.currentIndex()
        return self.model.data(index, IdRole) if index.isValid() else None

    # --- actions -------------------------------------------------------------------------------

    def open_selected(self) -> None:
        household_id = self.selected_household()
        if household_id is not None:
            self.open_household(household_id)

    def open_household(self, household_id: uuid.UUID) -> HouseholdDialog:
        dialog = HouseholdDialog(self.ctx, household_id, self, as_of=self.as_of())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def new_household(self) -> None:
        dialog = NewHouseholdDialog(self.ctx, self, village_id=self.village_filter.currentData())
        if dialog.exec() and dialog.household_id is not None:
            self.open_household(dialog.household_id)

    def arrival_new_household(self) -> None:
        dialog = ArrivalDialog(self.ctx, None, self)
        if dialog.exec() and dialog.result_ is not None:
            self.open_household(dialog.result_.household_id)

    def open_round(self) -> QWidget:
        window = _window("ui.round_window", "RoundWindow")(self.ctx, self)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.open()
        return window

    def closeEvent(self, event) -> None:
        self.idle.stop()
        if self.ctx.user is not None:
            self.ctx.audit("logout")
        self.backups.now()
        settings = qsettings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.sync()
        super().closeEvent(event)
