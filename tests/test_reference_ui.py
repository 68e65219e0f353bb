"""The reference package dialogs offscreen: the district publishes and saves its key, the village previews and applies."""

from __future__ import annotations

import os
from pathlib import Path

from okmot.services.context import AppContext
from okmot.sync import reference
from tests.test_reference import install_key, make_district, pair  # noqa: F401  (the fixture)
from ui.district_window import DistrictWindow
from ui.help_menu import AboutDialog
from ui.reference_dialog import ApplyReferenceDialog, ReferencePublishRow
from ui.sync_export_dialog import SyncExportDialog

SHOTS = os.environ.get("OKMOT_SHOTS")  # a folder to keep the screenshots in while developing


def _cells(model) -> list[list[str]]:
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_district_publishes_and_village_previews_and_applies(pair, qtbot, qtmodeltester, tmp_path) -> None:  # noqa: F811
    district, village, usb = pair
    window = DistrictWindow(AppContext(db=district))
    qtbot.addWidget(window)
    row = window.reference_row
    assert not row.isHidden() and row.publish_button.text() == "Publish reference package…"
    key_path = row.save_key(usb / "district.pem")
    assert key_path.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert "fingerprint" in row.outcome.text()
    install_key(district, village, usb)
    published = row.publish(usb)
    assert published.version == 1
    assert f"version 1 written to {published.path}" in row.outcome.text()
    if SHOTS:
        window.show()
        window.grab().save(str(Path(SHOTS) / "reference-district.png"))
    # The village's own window never offers to publish.
    office_row = ReferencePublishRow(village)
    qtbot.addWidget(office_row)
    assert office_row.isHidden()

    dialog = ApplyReferenceDialog(village, path=published.path)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    assert "none applied yet" in dialog.in_use.text()
    assert "Holiday and work calendar: 1 new, 0 changed, 0 unchanged, 0 removed" in dialog.summary.text()
    rows = _cells(dialog.model)
    assert ["Holiday and work calendar", "new", "20.03.2027 Орозо айт", ""] in rows
    assert ["Income norms", "removed", "livestock: cattle", "15000.00 som"] in rows
    assert ["Income norms", "changed", "livestock: sheep", "3000.00 → 3500.00 som"] in rows
    assert dialog.apply_button.isEnabled()
    if SHOTS:
        dialog.show()
        dialog.grab().save(str(Path(SHOTS) / "reference-preview.png"))
    with qtbot.waitSignal(dialog.applied) as applied:
        dialog.apply_button.click()
    assert applied.args == [1]
    assert dialog.message.text() == "Reference package version 1 was applied."
    assert "version 1 of" in dialog.in_use.text() and not dialog.apply_button.isEnabled()

    about = AboutDialog(village)
    qtbot.addWidget(about)
    assert about.values["reference"].text().startswith("version 1 of")

    again = ApplyReferenceDialog(village, path=published.path)
    qtbot.addWidget(again)
    assert again.message.text() == "Reference package version 1 is already applied; nothing changed."
    assert not again.apply_button.isEnabled()


def test_send_dialog_encrypts_by_default_only_with_a_district_key(pair, qtbot) -> None:  # noqa: F811
    district, village, usb = pair
    without = SyncExportDialog(village)
    qtbot.addWidget(without)
    assert not without.encrypt_check.isChecked() and not without.encrypt_check.isEnabled()
    install_key(district, village, usb)
    with_key = SyncExportDialog(village)
    qtbot.addWidget(with_key)
    assert with_key.encrypt_check.isChecked() and with_key.encrypt_check.isEnabled()


def test_a_foreign_package_is_refused_in_the_dialog(pair, qtbot, tmp_path) -> None:  # noqa: F811
    district, village, usb = pair
    install_key(district, village, usb)
    other = make_district(tmp_path, "other.sqlite3")
    try:
        foreign = reference.publish(other, usb, actor=AppContext(db=other).actor).path
    finally:
        other.dispose()
    dialog = ApplyReferenceDialog(village, path=foreign)
    qtbot.addWidget(dialog)
    assert "signed by another key" in dialog.message.text()
    assert not dialog.apply_button.isEnabled() and dialog.model.rowCount() == 0
    if SHOTS:
        dialog.show()
        dialog.grab().save(str(Path(SHOTS) / "reference-refused.png"))

