"""Search as you type, measured the same way on the village and on the district database."""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench.common import Bench, Clock

Sessions = Callable[[], AbstractContextManager[Session]]


def typed(words: list[str], shortest: int) -> list[str]:
    """Every prefix a clerk's typing passes through, from ``shortest`` characters on."""
    return [w[:n] for w in words for n in range(shortest, len(w) + 1)]


def search_terms(sessions: Sessions, rng: random.Random) -> dict[str, list[str]]:
    """6 surnames from 1 letter, 4 PINs from 3 digits, 8 account numbers from 1 digit, drawn by ``rng``."""
    from okmot.models import Household, Person

    with sessions() as s:
        surnames = list(s.scalars(select(Person.surname).distinct().order_by(Person.surname)))
        pins = [p for p in s.scalars(select(Person.pin).where(Person.pin.is_not(None)).order_by(Person.pin)) if p]
        accounts = list(s.scalars(select(Household.account_number).distinct().order_by(Household.account_number)))
    pick = lambda items, n: rng.sample(items, min(n, len(items)))  # noqa: E731
    return {"surname prefix": typed(pick(surnames, 6), 1),
            "PIN": typed(pick(pins, 4), 3),
            "account": typed(pick(accounts, 8), 1)}


def _search(session: Session, term: str) -> None:
    from okmot.services import search
    from ui.household_model import PAGE_SIZE
    from ui.main_window import COUNT_LIMIT

    # What MainWindow.refresh asks: the first page, the count stopping at COUNT_LIMIT.
    search.search_households(session, search.HouseholdFilter(text=term), limit=PAGE_SIZE, count_limit=COUNT_LIMIT)


def measure(bench: Bench, group: str, sessions: Sessions, engine: Engine, rng: random.Random, *, rounds: int,
            target_s: float, suffix: str = "") -> None:
    """One sample per keystroke for each kind of search, judged by its p95; the query plans go to the notes."""
    for label, terms in search_terms(sessions, rng).items():
        clock = Clock()
        for _round in range(rounds):
            for term in terms:
                with clock(), sessions() as s:
                    _search(s, term)
        bench.add(group, f"search as you type: {label}{suffix}", clock.wall, cpu_samples=clock.cpu,
                  target_s=target_s, use_p95=True, note=f"{len(terms)} keystrokes")
        bench.notes.append(query_plans(f"search{suffix}: {label}", sessions, engine, terms[len(terms) // 2]))


def query_plans(title: str, sessions: Sessions, engine: Engine, term: str) -> str:
    """EXPLAIN QUERY PLAN of every statement one search runs (SQLite's own words; PostgreSQL's EXPLAIN)."""
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with sessions() as s:
            _search(s, term)
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
