"""Preview and print a PDF as the very pages of the file: pdfium renders them, the printer gets those images.

Rendering the PDF itself (instead of drawing the certificate a second time with Qt) is what makes
the preview and the paper identical; QPrinter then receives each page rendered at its own resolution.
"""

from __future__ import annotations

import pypdfium2 as pdfium
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from okmot import atomic
from okmot.errors import OkmotError
from okmot.i18n import _
from ui.forms import show_error

PREVIEW_DPI = 96


def render_pages(pdf: bytes, dpi: int = PREVIEW_DPI) -> list[QImage]:
    """Each page of ``pdf`` as an image at ``dpi`` (pdfium draws exactly what a PDF viewer would)."""
    doc = pdfium.PdfDocument(pdf)
    images = []
    try:
        for page in doc:
            bitmap = page.render(scale=dpi / 72, prefer_bgrx=True)
            try:
                # pdfium's BGRx little-endian layout is Qt's RGB32; copy() detaches from pdfium's buffer.
                image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                               QImage.Format.Format_RGB32).copy()
            finally:
                bitmap.close()
                page.close()
            images.append(image)
    finally:
        doc.close()
    return images


def print_pdf(pdf: bytes, printer: QPrinter) -> None:
    """Send the pages to ``printer``, each rendered at the printer's resolution and fitted to the page."""
    dpi = max(min(printer.resolution(), 600), 150)
    painter = QPainter()
    if not painter.begin(printer):
        raise OkmotError(_("The printer could not be started."))
    try:
        for i, image in enumerate(render_pages(pdf, dpi)):
            if i:
                printer.newPage()
            target = QRectF(painter.viewport())
            scale = min(target.width() / image.width(), target.height() / image.height())
            painter.drawImage(QRectF(0, 0, image.width() * scale, image.height() * scale), image)
    finally:
        painter.end()


class PdfPreviewDialog(QDialog):
    """The rendered pages one below the other, with Print and Save."""

    def __init__(self, pdf: bytes, title: str, parent: QWidget | None = None, *, file_name: str = "document.pdf"):
        super().__init__(parent)
        self.pdf = pdf
        self.file_name = file_name
        self.setWindowTitle(title)
        self.pages = render_pages(pdf)
        body = QWidget()
        lay = QVBoxLayout(body)
        self.page_labels = []
        for image in self.pages:
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            label.setStyleSheet("border: 1px solid #999; background: white;")
            lay.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self.page_labels.append(label)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        self.print_button = QPushButton(_("Print…"))
        self.save_button = QPushButton(_("Save as PDF…"))
        close = QPushButton(_("Close"))
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_document)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.print_button, self.save_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.resize(860, 900)

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            print_pdf(self.pdf, printer)
        except OkmotError as exc:
            show_error(self, exc.message)

    def save_document(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Save as PDF"), self.file_name, "PDF (*.pdf)")
        if not path:
            return
        try:
            atomic.write_bytes(path, self.pdf)
        except OSError as exc:
            show_error(self, _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror))
        except OkmotError as exc:
            show_error(self, exc.message)
