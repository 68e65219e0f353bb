"""The village section of the benchmark: one aiyl aimak's database, timed the way a clerk uses it.

Each measurement drives the code the app runs (MainWindow, the household card dialog, the services
the member dialog and the certificate dialog call, the report worker and the import worker) on a
demo village with five years of land and livestock, applications and certificates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Bench, Clock, fmt, peak_memory_mb, reset_peak_memory

SEED = 7
FARM_YEARS = 5
#: A new process from interpreter start to the first page of the household list on screen.
_COLD_START = """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
app = QApplication([])
from okmot.services import auth
from okmot.services.context import open_context
from ui.main_window import MainWindow
ctx = open_context(sys.argv[1])
with ctx.read() as s:
    ctx.user = auth.list_users(s)[0]
window = MainWindow(ctx)
window.show()
app.processEvents()
print(window.model.rowCount(), flush=True)
os._exit(0)
"""
#: The event-loop probe: a timer that should fire every PROBE_MS; a longer gap is a frozen window.
PROBE_MS = 10


@dataclasses.dataclass
class Sizes:
    """How much of each operation to run (the quick mode runs fewer repeats on a smaller village)."""

    households: int
    starts: int = 3
    search_rounds: int = 3
    cards: int = 20
    saves: int = 20
    certificates: int = 10
    exports: int = 3
    import_persons: int = 5000

    @classmethod
    def quick(cls, households: int) -> Sizes:
        return cls(households, starts=2, search_rounds=1, cards=5, saves=5, certificates=3, exports=1,
                   import_persons=max(20, min(300, households // 3)))


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def make_village(bench: Bench, folder: Path, households: int) -> Path:
    """The demo village the section runs on (generation is timed for information, not judged)."""
    from okmot.demo import create_demo_file

    path = folder / f"village-{households}.sqlite3"
    started = time.perf_counter()
    summary = create_demo_file(path, households=households, seed=SEED, farm_years=FARM_YEARS, paperwork=True)
    bench.add("village", "generate the demo village", [time.perf_counter() - started], max_peak_mb=None,
              note=f"{summary.households} households, {summary.persons} persons, {summary.land_plots} plots, "
                   f"{summary.livestock_counts} herd counts over {FARM_YEARS} years, "
                   f"{summary.applications} applications, {summary.certificates} certificates")
    return path


class VillageRun:
    """The app's context, its signed-in administrator and main window, kept between measurements."""

    def __init__(self, bench: Bench, path: Path, sizes: Sizes):
        self.bench, self.path, self.sizes = bench, path, sizes
        self.app = _app()
        self.rng = random.Random(SEED)
        self.ctx = None
        self.window = None
        self.user = None
        self._first_admin()

    def _first_admin(self) -> None:
        from okmot.services import auth
        from okmot.services.context import open_context

        ctx = open_context(self.path)
        try:
            with ctx.system("bench") as s:
                if auth.needs_first_admin(s):
                    auth.create_first_admin(s, username="bench", full_name="Bench", password="bench-password-1")
        finally:
            ctx.close()

    # --- start to a usable household list ------------------------------------------------------

    def _close(self) -> None:
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.app.processEvents()
            self.window = None
        if self.ctx is not None:
            self.ctx.close()
            self.ctx = None

    def _start(self) -> None:
        from okmot.services import auth
        from okmot.services.context import open_context
        from ui.main_window import MainWindow

        self.ctx = open_context(self.path)
        with self.ctx.read() as s:
            self.ctx.user = auth.list_users(s)[0]
        self.window = MainWindow(self.ctx)
        self.window.show()
        self.app.processEvents()
        if self.window.model.rowCount() == 0:
            raise RuntimeError("the household list is empty after start")

    def _cold_start(self) -> None:
        done = subprocess.run([sys.executable, "-c", _COLD_START, str(self.path)], capture_output=True, text=True,
                              timeout=120, cwd=Path(__file__).resolve().parent.parent)
        if done.returncode != 0 or not done.stdout.strip().isdigit() or int(done.stdout) == 0:
            raise RuntimeError(f"the app did not start: {done.stderr[-2000:]}")

    def start(self) -> None:
        import resource

        clock, cpu = Clock(), []
        for _ in range(self.sizes.starts):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with clock():
                self._cold_start()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        self.bench.add("village", "app start to a usable household list (new process)", clock.wall,
                       cpu_samples=cpu, target_s=2.0, max_peak_mb=None,
                       note="interpreter, imports, database, window, first page")
        self.bench.measure("village", "open the book and show the list (in process)", self._start,
                           setup=self._close, repeat=self.sizes.starts, warmup=1, target_s=2.0)

    # --- search as you type --------------------------------------------------------------------

    def search(self) -> None:
        from bench import search

        search.measure(self.bench, "village", self.ctx.db, self.rng,
                       rounds=self.sizes.search_rounds, target_s=0.05)

    # --- a household card ----------------------------------------------------------------------

    def _household_ids(self, n: int) -> list:
        from okmot.services import search

        with self.ctx.read() as s:
            total = search.search_households(s, search.HouseholdFilter(status="open"), limit=1).total
            offsets = sorted(self.rng.sample(range(total), min(n, total)))
            return [search.find_households(s, search.HouseholdFilter(status="open"), offset=o, limit=1)[0].id
                    for o in offsets]

    def card(self) -> None:
        from okmot.services import households
        from ui.household_card import HouseholdDialog

        ids = self._household_ids(self.sizes.cards)
        queries, windows = Clock(), Clock()
        reset_peak_memory()
        for hid in ids:
            with queries(), self.ctx.read() as s:
                households.get_card(s, hid)
            with windows():
                dialog = HouseholdDialog(self.ctx, hid, self.window)
                dialog.show()
                self.app.processEvents()
            dialog.dirty = False
            dialog.close()
            dialog.deleteLater()
        self.app.processEvents()
        self.bench.add("village", "household card: the data (get_card)", queries.wall, cpu_samples=queries.cpu)
        self.bench.add("village", "open a household card (dialog shown)", windows.wall, cpu_samples=windows.cpu,
                       target_s=0.15, peak_mb=peak_memory_mb())

    # --- save a member -------------------------------------------------------------------------

    def save_member(self) -> None:
        from okmot.services import households, persons
        from ui.bus import bus

        members = []
        for hid in self._household_ids(self.sizes.saves):
            with self.ctx.read() as s:
                card = households.get_card(s, hid)
            if card.members:
                members.append((hid, card.members[0]))
        counter = iter(range(10**6))

        def save(hid, member) -> None:
            # What MemberDialog.save does: one write transaction, then the change goes out on the bus
            # (the main window's list refreshes the household).
            with self.ctx.write() as s:
                record = persons.get_person(s, member.person.id)
                data = dataclasses.replace(record.data, note=f"bench {next(counter)}")
                changes, _result = households.update_member(s, hid, member.person.id, data,
                                                            relation=member.relation,
                                                            expected_version=record.version)
            bus.changed.emit(changes)
            self.app.processEvents()

        clock = Clock()
        reset_peak_memory()
        for hid, member in members:
            with clock():
                save(hid, member)
        self.bench.add("village", "save a member (update_member + list refresh)", clock.wall,
                       cpu_samples=clock.cpu, target_s=0.1, peak_mb=peak_memory_mb())

    # --- a certificate -------------------------------------------------------------------------

    def certificate(self) -> None:
        from okmot.services import certificates
        from reports.certificates import render_pdf

        ids = self._household_ids(self.sizes.certificates)
        issued_pdfs, renders = Clock(), Clock()
        reset_peak_memory()
        for hid in ids:
            with issued_pdfs():
                with self.ctx.write() as s:
                    issued = certificates.issue_certificate(s, kind="family", language="ky+ru", household_id=hid,
                                                            receipt_number="BENCH-1")
                pdf = render_pdf(issued.content, payload=issued.payload)
            with renders():
                again = render_pdf(issued.content, payload=issued.payload)
            if not pdf.startswith(b"%PDF") or not again.startswith(b"%PDF"):
                raise RuntimeError("the certificate is not a PDF")
        peak = peak_memory_mb()
        self.bench.add("village", "certificate PDF: issue + render (family, ky+ru)", issued_pdfs.wall,
                       cpu_samples=issued_pdfs.cpu, target_s=0.3, peak_mb=peak)
        self.bench.add("village", "certificate PDF: render only", renders.wall, cpu_samples=renders.cpu,
                       target_s=0.3)

    # --- the population list to XLSX -----------------------------------------------------------

    def _params(self):
        from okmot.reporting.data import Params

        return Params("book", as_of=dt.date.today(), language="ky")

    def export(self, folder: Path) -> None:
        from openpyxl import Workbook

        from okmot.gcpause import background_job
        from okmot.reporting.collect import collect
        from reports.catalog import build_report, render

        out = folder / "book.xlsx"
        raw = folder / "raw.xlsx"
        n = self.sizes.exports

        def export() -> None:
            # Exactly what ReportWorker.run does, the collector paused as there (okmot/gcpause.py).
            with background_job():
                with self.ctx.read() as s:
                    made = collect(s, self._params(), generated_by="Bench")
                render("book", made, "ky", out)

        # The export first, so its peak memory is not inflated by the raw baseline's cells held below.
        result = self.bench.measure("village", "population list → XLSX (collect + write)", export, repeat=n,
                                    warmup=0, target_s=5.0, baseline="raw openpyxl write_only, same cells",
                                    max_ratio=2.0)
        with self.ctx.read() as s:
            table = build_report("book", collect(s, self._params(), generated_by="Bench"), "ky").sections[0]
        cells = [tuple(c.header for c in table.columns), *table.rows]
        result.note = f"{len(table.rows)} rows × {len(table.columns)} columns"
        del table

        def raw_write() -> None:
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("Residents")
            for row in cells:
                ws.append(row)
            wb.save(raw)

        self.bench.measure("village", "raw openpyxl write_only, same cells", raw_write, repeat=n, warmup=0,
                           note=result.note)
        cells.clear()

    # --- the GUI never blocks ------------------------------------------------------------------

    def _import_file(self, folder: Path, persons: int) -> Path:
        """A book to import: new accounts in the demo's own villages, four persons to a household."""
        from sqlalchemy import select

        from okmot.models import Village

        with self.ctx.read() as s:
            villages = list(s.scalars(select(Village.name_ky).order_by(Village.code)))
        header = "Лицевой счет;Село;Улица;Дом;Фамилия;Имя;Отчество;Пол;Дата рождения;ПИН;Отношение к главе"
        lines = [header]
        for i in range(persons):
            account, member = divmod(i, 4)
            born = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 37) % 25_000)
            sex = "м" if member % 2 == 0 else "ж"
            pin = f"{2 if sex == 'м' else 1}{born:%d%m%Y}{90000 + i % 10000:05d}"
            relation = ["глава", "жена", "сын", "дочь"][member]
            village = villages[account % len(villages)] if member == 0 else ""
            lines.append(f"{800000 + account};{village};;{account if member == 0 else ''};"
                         f"Импорттоо{account};Ат{member};;{sex};{born:%d.%m.%Y};{pin};{relation}")
        path = folder / "import.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def responsiveness(self, folder: Path) -> None:
        """Event-loop gaps while the app's report worker and import worker run at the same time."""
        from PySide6.QtCore import QElapsedTimer, QTimer

        from okmot import gcpause
        from okmot.importer.apply import apply_plan
        from okmot.importer.plan import plan_import
        from okmot.importer.reader import read_file
        from ui.import_wizard import Worker
        from ui.report_dialog import ReportWorker

        source = read_file(self._import_file(folder, self.sizes.import_persons))

        def import_task(progress, cancelled):
            with self.ctx.write() as s:
                plan = plan_import(s, source)
                if plan.errors:
                    raise RuntimeError(f"the benchmark's import file has errors: {plan.errors[:3]}")
                return apply_plan(s, plan, progress=progress, cancelled=cancelled)

        report = ReportWorker(self.ctx, self._params(), folder / "busy.xlsx", "Bench")
        importer = Worker(import_task)
        outcome: dict[str, str] = {}
        report.succeeded.connect(lambda _p: outcome.setdefault("report", "ok"))
        report.failed.connect(lambda m: outcome.setdefault("report", m))
        importer.succeeded.connect(lambda _r: outcome.setdefault("import", "ok"))
        importer.failed.connect(lambda m: outcome.setdefault("import", m))
        gaps: list[float] = []
        clock = QElapsedTimer()
        probe = QTimer()
        probe.setInterval(PROBE_MS)

        def tick() -> None:
            gaps.append(clock.nsecsElapsed() / 1e9)
            clock.restart()

        probe.timeout.connect(tick)
        gcpause.settle_after_start()  # as ui/app.py does once the window is shown
        reset_peak_memory()
        started = time.perf_counter()
        clock.start()
        probe.start()
        report.start()
        importer.start()
        while report.isRunning() or importer.isRunning() or len(outcome) < 2:
            self.app.processEvents()
            time.sleep(0.001)
            if time.perf_counter() - started > 600:
                raise RuntimeError("the report and import workers did not finish in 10 minutes")
        probe.stop()
        report.wait()
        importer.wait()
        elapsed = time.perf_counter() - started
        if outcome != {"report": "ok", "import": "ok"}:
            raise RuntimeError(f"a background worker failed: {outcome}")
        note = (f"{len(gaps)} ticks of a {PROBE_MS} ms timer over {fmt(elapsed)}: report export + "
                f"import of {self.sizes.import_persons} persons")
        self.bench.add("village", "event-loop gap while exporting and importing (p95)", gaps, target_s=0.1,
                       use_p95=True, peak_mb=peak_memory_mb(), note=note)
        self.bench.add("village", "event-loop gap while exporting and importing (max)", [max(gaps)], target_s=0.1,
                       max_peak_mb=None)

    def run(self, folder: Path) -> None:
        try:
            self.start()
            self.search()
            self.card()
            self.save_member()
            self.certificate()
            self.export(folder)
            self.responsiveness(folder)
        finally:
            self._close()


def run(bench: Bench, folder: Path, *, households: int, db: Path | None = None) -> None:
    """The whole village section into ``bench`` (``db`` reuses a demo village made earlier)."""
    sizes = Sizes.quick(households) if bench.quick else Sizes(households)
    path = db if db is not None else make_village(bench, folder, households)
    VillageRun(bench, path, sizes).run(folder)
