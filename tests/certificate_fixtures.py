"""Helpers for the certificate tests: a village set up for certificates, PDF text and QR decoding."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from okmot.services import service_register, settings
from okmot.services.context import AppContext
from tests import village

NORMS = {"land": {"household_plot": 5_000_000}, "livestock": {"cattle": 1_500_000, "cows": 3_000_000,
                                                               "sheep": 300_000}}


def prepare(ctx: AppContext) -> None:
    """Letterhead, signatory, income norms and the shipped register of services."""
    with ctx.write() as s:
        service_register.install_shipped(s)
        settings.put(s, "office_address_ky", "Ак-Суу айылы, Манас көчөсү 1")
        settings.put(s, "office_address_ru", "село Ак-Суу, ул. Манаса 1")
        settings.put(s, "signatory_name_ky", "Ө. Үсөнов")
        settings.put(s, "signatory_name_ru", "О. Усенов")
        settings.put(s, "income_norms", NORMS)


def build(path: Path, households_count: int = 4) -> AppContext:
    ctx = village.build(path, households_count)
    prepare(ctx)
    return ctx


def pdf_text(pdf: bytes) -> list[str]:
    """Extracted text per page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def zbarimg() -> str:
    path = shutil.which("zbarimg")
    if path is None:
        message = "zbarimg (Debian package zbar-tools) is missing: run `make zbar`."
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def decode_qr(pdf: bytes, tmp_path: Path, page: int = 0) -> list[str]:
    """Render a page at 288 dpi and read every QR code on it with zbar, a decoder independent of ours."""
    tool = zbarimg()
    doc = pdfium.PdfDocument(pdf)
    try:
        bitmap = doc[page].render(scale=4, grayscale=True)
        try:
            width, height = bitmap.width, bitmap.height
            stride = bitmap.stride
            raw = bytes(bitmap.buffer)
        finally:
            bitmap.close()
    finally:
        doc.close()
    rows = b"".join(raw[y * stride:y * stride + width] for y in range(height))
    image = tmp_path / f"page{page}.pgm"
    image.write_bytes(b"P5\n%d %d\n255\n" % (width, height) + rows)
    out = subprocess.run([tool, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
                         capture_output=True, text=True, timeout=60)
    return [line for line in out.stdout.splitlines() if line]
