"""Change journal: every flush stamps sync columns and appends journal rows in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from okmot.db import bulk, chain, ids
from okmot.db.base import SyncMixin, utcnow

ACTOR_KEY = "okmot_actor"
_listening = False


class JournalError(RuntimeError):
    """A programming error: a write without an actor, or a physical delete of a synced record."""


def attach(session: Session, actor) -> None:
    """Bind the actor whose changes this session journals."""
    session.info[ACTOR_KEY] = actor
    _ensure_listeners()


def actor_of(session: Session):
    return session.info.get(ACTOR_KEY)


def jsonable(value: Any) -> Any:
    """A JSON-safe form of a column value (used by the journal and, later, sync packages)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _columns(obj) -> list[str]:
    return [attr.key for attr in inspect(obj).mapper.column_attrs]


def _value(obj, key: str, value: Any) -> Any:
    # Secrets (password hashes) never enter the journal, which is exported and audited.
    if key in getattr(type(obj), "__journal_redact__", ()):
        return "***" if value is not None else None
    return jsonable(value)


def _change_table():
    from okmot.models.journal import ChangeLog

    return ChangeLog.__table__


#: The fields of a change_log row covered by its hash, in order.
CHAIN_FIELDS = ("at", "user_id", "user_name", "table_name", "record_id", "op", "version", "changes")


#: Fields of a record that its journal entries leave out (the entry's own columns say them).
UNJOURNALED = ("version", "changed_at", "changed_by")


def append_rows(conn, rows: list[dict]) -> None:
    """Append journal rows to the hash chain: the only way rows enter change_log (with ``append_inserts``)."""
    chain.append(conn, _change_table(), rows, CHAIN_FIELDS)


def append_inserts(conn, table: str, record_ids: Sequence, versions: Sequence, lines: Sequence[str], actor,
                   at: dt.datetime, *, after: chain.Tail | None = None,
                   stream: bulk.CopyStream | None = None) -> None:
    """Append one "insert" entry per record, given column by column, each carrying its record's line as text.

    The bulk form of ``journal_rows`` + ``append_rows`` for a sync import; ``record_ids`` are driver
    values (a UUID's hex), which the hash chain reads like the UUIDs themselves. ``after`` and
    ``stream``: see ``chain.append_columns`` (the journal's tail is ``journal_tail``).
    """
    count = len(record_ids)
    columns = {"at": [at] * count, "user_id": [actor.user_id] * count, "user_name": [actor.username] * count,
               "table_name": [table] * count, "record_id": record_ids, "op": ["insert"] * count,
               "version": versions, "changes": lines}
    chain.append_columns(conn, _change_table(), columns, CHAIN_FIELDS, ("record_id",), after=after, stream=stream)


def journal_tail(conn) -> chain.Tail:
    """The journal chain's last hash, locked for appending (``chain.tail``)."""
    return chain.tail(conn, _change_table())


def payload(changes: str) -> dict:
    """The values of a change_log entry's ``changes``, without the fields journal entries leave out.

    An insert imported from a sync package carries the record's line from the package as it is
    (docs/sync.md), with ``version``, ``changed_at`` and ``changed_by`` in it; every reader of the
    journal goes through here so those show nowhere as changed values.
    """
    values = json.loads(changes)
    for key in UNJOURNALED:
        values.pop(key, None)
    return values


def journal_rows(table: str, record_id: uuid.UUID, op: str, version: int, changes: dict | str,
                 actor, at: dt.datetime) -> dict:
    """One journal row; shared by the ORM listener and bulk writers so both log alike.

    ``changes`` given as text is stored as it is (an imported record's line from its package).
    """
    return {
        "at": at,
        "user_id": actor.user_id,
        "user_name": actor.username,
        "table_name": table,
        "record_id": record_id,
        "op": op,
        "version": version,
        "changes": changes if isinstance(changes, str) else json.dumps(changes, ensure_ascii=False, sort_keys=True),
    }


def _before_flush(session: Session, _ctx, _instances) -> None:
    actor = actor_of(session)
    touched = [o for o in list(session.new) + list(session.dirty) + list(session.deleted)
               if isinstance(o, SyncMixin)]
    if not touched:
        return
    if actor is None:
        raise JournalError("write attempted in a session without an actor")
    for obj in session.deleted:
        if isinstance(obj, SyncMixin):
            raise JournalError(
                f"physical delete of {type(obj).__name__}; set a tombstone with okmot.db.journal.tombstone()"
            )
    now = utcnow()
    for obj in touched:
        if obj in session.new or session.is_modified(obj, include_collections=False):
            if obj.id is None:
                obj.id = ids.new_id(ids.session_prefix(session))
            obj.changed_at = now
            obj.changed_by = actor.user_id


def _after_flush(session: Session, _ctx) -> None:
    actor = actor_of(session)
    rows = []
    now = utcnow()
    for obj in list(session.new):
        if not isinstance(obj, SyncMixin):
            continue
        values = {k: _value(obj, k, getattr(obj, k)) for k in _columns(obj)
                  if k not in UNJOURNALED}
        rows.append(journal_rows(obj.__tablename__, obj.id, "insert", obj.version, values, actor, now))
    for obj in list(session.dirty):
        if not isinstance(obj, SyncMixin) or obj in session.new:
            continue
        state = inspect(obj)
        changes = {}
        for key in _columns(obj):
            if key in UNJOURNALED:
                continue
            hist = state.attrs[key].history
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                changes[key] = [_value(obj, key, old), _value(obj, key, new)]
        if not changes:
            continue
        op = "delete" if "deleted_at" in changes and changes["deleted_at"][1] is not None else "update"
        rows.append(journal_rows(obj.__tablename__, obj.id, op, obj.version, changes, actor, now))
    if rows:
        # Core insert on the session's own connection: same transaction as the change itself.
        append_rows(session.connection(), rows)


def tombstone(obj: SyncMixin) -> None:
    """Delete a synced record the only allowed way: mark it, keep it."""
    if obj.deleted_at is None:
        obj.deleted_at = utcnow()


def _ensure_listeners() -> None:
    global _listening
    if _listening:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    _listening = True
