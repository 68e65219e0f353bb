"""The benchmark harness: timed samples with median/p95, peak memory per operation, targets, ratios, JSON."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

_HWM = re.compile(r"VmHWM:\s+(\d+)\s+kB")


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank (the value a user waits for at worst, 19 times in 20)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _release_freed_memory() -> None:
    """Collect garbage and hand freed heap back to the OS (glibc ``malloc_trim``), so the next peak is the
    operation's own and not what an earlier one left mapped in this long-running process."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    if name and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(name).malloc_trim(0)
        except (OSError, AttributeError):
            pass


def reset_peak_memory() -> None:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM of this process)."""
    _release_freed_memory()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_memory_mb() -> float | None:
    """The peak resident memory of this process since the last reset, in MB (None where unknown)."""
    try:
        with open("/proc/self/status") as f:
            found = _HWM.search(f.read())
    except OSError:
        found = None
    if found:
        return int(found.group(1)) / 1024
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):
        return None


@dataclass
class Result:
    """One measured operation: its samples (seconds) and what it is held to."""

    group: str
    name: str
    samples: list[float]
    target_s: float | None = None  # the median (or p95 when ``use_p95``) must stay under this
    use_p95: bool = False
    baseline: str | None = None  # name of the raw-engine result this one is compared with
    max_ratio: float | None = None  # ... and the ratio it must stay under
    peak_mb: float | None = None
    max_peak_mb: float | None = 500.0
    note: str = ""
    ratio: float | None = field(default=None)
    #: CPU time of the measuring thread per sample: on a machine busy with other programs the wall
    #: time grows, this does not (it leaves out waits for the disk and for other threads).
    cpu_samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return p95(self.samples)

    @property
    def judged(self) -> float:
        return self.p95 if self.use_p95 else self.median

    def failures(self) -> list[str]:
        """What this result misses, in words (empty when every target holds)."""
        missed = []
        if self.target_s is not None and self.judged > self.target_s:
            which = "p95" if self.use_p95 else "median"
            missed.append(f"{which} {fmt(self.judged)} > {fmt(self.target_s)}")
        if self.max_ratio is not None and self.ratio is not None and self.ratio > self.max_ratio:
            missed.append(f"ratio {self.ratio:.2f} > {self.max_ratio:g}× {self.baseline}")
        if self.max_peak_mb is not None and self.peak_mb is not None and self.peak_mb > self.max_peak_mb:
            missed.append(f"peak {self.peak_mb:.0f} MB > {self.max_peak_mb:.0f} MB")
        return missed


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


class Clock:
    """Wall and thread CPU time of each timed block (``with clock():``), for ``Bench.add``."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        yield
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.thread_time() - cpu)


class Bench:
    """Collects results; ``measure`` runs an operation several times and records its samples and peak memory."""

    def __init__(self, *, quick: bool = False) -> None:
        self.quick = quick
        self.results: list[Result] = []
        self.notes: list[str] = []  # free text printed under the table (e.g. EXPLAIN QUERY PLAN)

    def measure(self, group: str, name: str, fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1,
                setup: Callable[[], object] | None = None, **judged) -> Result:
        """Time ``fn`` ``repeat`` times after ``warmup`` untimed runs; ``setup`` runs untimed before each."""
        for _ in range(warmup):
            if setup is not None:
                setup()
            fn()
        samples, cpu = [], []
        reset_peak_memory()
        for _ in range(repeat):
            if setup is not None:
                setup()
            started, cpu_started = time.perf_counter(), time.thread_time()
            fn()
            samples.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - cpu_started)
        return self.add(group, name, samples, peak_mb=peak_memory_mb(), cpu_samples=cpu, **judged)

    def add(self, group: str, name: str, samples: list[float], **judged) -> Result:
        """Record samples timed elsewhere (one long run, or a loop with its own timer)."""
        result = Result(group, name, list(samples), **judged)
        self.results.append(result)
        self.relink()
        return result

    def get(self, name: str) -> Result | None:
        return next((r for r in self.results if r.name == name), None)

    def relink(self) -> None:
        """Each result's ratio to its baseline (after results were added from elsewhere)."""
        for r in self.results:
            base = self.get(r.baseline) if r.baseline else None
            if base is not None and base.median > 0:
                r.ratio = r.median / base.median

    def failures(self) -> list[str]:
        return [f"{r.group} / {r.name}: {m}" for r in self.results for m in r.failures()]

    def table(self) -> str:
        """A Markdown table (pasted into the README as it is)."""
        lines = ["| group | operation | median | p95 | CPU median | target | ratio to raw | peak MB | ok |",
                 "|---|---|---:|---:|---:|---:|---:|---:|:-:|"]
        for r in self.results:
            target = "" if r.target_s is None else ("p95 " if r.use_p95 else "") + "< " + fmt(r.target_s)
            ratio = "" if r.ratio is None else f"{r.ratio:.2f}× {r.baseline}" + (
                f" (≤ {r.max_ratio:g}×)" if r.max_ratio else "")
            peak = "" if r.peak_mb is None else f"{r.peak_mb:.0f}"
            ok = "✗" if r.failures() else ("✓" if (r.target_s or r.max_ratio) else "")
            name = r.name + (f" ({r.note})" if r.note else "")
            cpu = fmt(statistics.median(r.cpu_samples)) if r.cpu_samples else ""
            lines.append(f"| {r.group} | {name} | {fmt(r.median)} | {fmt(r.p95)} | {cpu} | {target} | {ratio} | "
                         f"{peak} | {ok} |")
        return "\n".join(lines)

    def machine(self) -> dict:
        cpu = platform.processor() or ""
        try:
            with open("/proc/cpuinfo") as f:
                found = re.search(r"model name\s*:\s*(.+)", f.read())
            cpu = found.group(1).strip() if found else cpu
        except OSError:
            pass
        try:
            with open("/proc/meminfo") as f:
                mem_kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        except (OSError, AttributeError):
            mem_kb = 0
        import sqlite3

        try:
            # Other programs' load: on a busy machine every time here is longer than the app's own.
            load = [round(x, 2) for x in os.getloadavg()]
        except OSError:
            load = []
        return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
                "os": platform.platform(), "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
                "load_average": load}

    def write_json(self, folder: Path) -> Path:
        """One file per run (bench/results/<UTC time>.json), so a change can be compared with the last."""
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        path = folder / f"{stamp}{'-quick' if self.quick else ''}.json"
        data = {"when": stamp, "quick": self.quick, "machine": self.machine(),
                "results": [{**asdict(r), "median": r.median, "p95": r.p95, "failures": r.failures()}
                            for r in self.results], "notes": self.notes}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
        return path
