"""Search as you type, measured the same way on the village and on the district database."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bench.common import Bench, Clock

if TYPE_CHECKING:
    from okmot.db.engine import Database


def typed(words: list[str], shortest: int) -> list[str]:
    """Every prefix a clerk's typing passes through, from ``shortest`` characters on."""
    return [w[:n] for w in words for n in range(shortest, len(w) + 1)]


def search_terms(db: Database, rng: random.Random) -> dict[str, list[str]]:
    """6 surnames from 1 letter, 4 PINs from 3 digits, 8 account numbers from 1 digit, drawn by ``rng``."""
    from okmot.models import Household, Person

    with db.session() as s:
        surnames = list(s.scalars(select(Person.surname).distinct().order_by(Person.surname)))
        pins = [p for p in s.scalars(select(Person.pin).where(Person.pin.is_not(None)).order_by(Person.pin)) if p]
        accounts = list(s.scalars(select(Household.account_number).distinct().order_by(Household.account_number)))
    pick = lambda items, n: rng.sample(items, min(n, len(items)))  # noqa: E731
    return {"surname prefix": typed(pick(surnames, 6), 1),
            "PIN": typed(pick(pins, 4), 3),
            "account": typed(pick(accounts, 8), 1)}


def _window_limits() -> tuple[int, int]:
    """What MainWindow.refresh asks for: the first page's size and where the count stops."""
    from ui.household_model import PAGE_SIZE
    from ui.main_window import COUNT_LIMIT

    return PAGE_SIZE, COUNT_LIMIT


def _search(session: Session, term: str, limits: tuple[int, int]) -> None:
    from okmot.services import search

    search.search_households(session, search.HouseholdFilter(text=term), limit=limits[0], count_limit=limits[1])


def measure(bench: Bench, group: str, db: Database, rng: random.Random, *, rounds: int, target_s: float,
            suffix: str = "") -> None:
    """One sample per keystroke for each kind of search, judged by its p95; the query plans go to the notes.

    The terms are drawn and the window's modules loaded before the clock starts: in the app the
    window has them loaded already.
    """
    limits = _window_limits()
    for label, terms in search_terms(db, rng).items():
        clock = Clock()
        for _round in range(rounds):
            for term in terms:
                with clock(), db.session() as s:
                    _search(s, term, limits)
        bench.add(group, f"search as you type: {label}{suffix}", clock.wall, cpu_samples=clock.cpu,
                  target_s=target_s, use_p95=True, note=f"{len(terms)} keystrokes")
        bench.notes.append(query_plans(f"search{suffix}: {label}", db, terms[len(terms) // 2], limits))


def query_plans(title: str, db: Database, term: str, limits: tuple[int, int]) -> str:
    """EXPLAIN QUERY PLAN of every statement one search runs (SQLite's own words; PostgreSQL's EXPLAIN)."""
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with db.session() as s:
            _search(s, term, limits)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    lines = [f"EXPLAIN QUERY PLAN — {title} ({term!r})"]
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            lines.append("  " + " ".join(statement.split())[:160] + (" …" if len(statement) > 160 else ""))
            plan = conn.exec_driver_sql(explain + statement, parameters).all()
            if engine.dialect.name != "sqlite":
                lines += ["    " + row[0] for row in plan]
                continue
            depth = {0: 0}
            for node, parent, _unused, detail in plan:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("    " + "  " * depth[node] + detail)
    return "\n".join(lines)
