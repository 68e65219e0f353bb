"""Health checks of a database: SQLite integrity, foreign keys, and the change journal's consistency."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text

from okmot.db.engine import Database
from okmot.i18n import _


@dataclass(frozen=True)
class Finding:
    check: str
    detail: str


def check_database(db: Database) -> list[Finding]:
    """Everything wrong with ``db``; an empty list means it passed every check."""
    findings: list[Finding] = []
    with db.engine.connect() as conn:
        if db.is_sqlite:
            for (row,) in conn.execute(text("PRAGMA integrity_check")):
                if row != "ok":
                    findings.append(Finding("integrity", row))
            for table, rowid, parent, _fk in conn.execute(text("PRAGMA foreign_key_check")):
                findings.append(Finding("foreign_key", _("{table} row {rowid} points to a missing {parent} record.")
                                        .format(table=table, rowid=rowid, parent=parent)))
        # Every record that exists must have been journaled at its current version.
        from okmot.db.base import Base, SyncMixin
        import okmot.models  # noqa: F401 - registers every table

        for mapper in Base.registry.mappers:
            cls = mapper.class_
            if not issubclass(cls, SyncMixin):
                continue
            table = cls.__table__.name
            missing = conn.execute(text(
                f"SELECT t.id FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM change_log c "  # noqa: S608 - table names come from our models
                "WHERE c.table_name = :table AND c.record_id = t.id AND c.version = t.version) LIMIT 5"),
                {"table": table}).all()
            for (record_id,) in missing:
                findings.append(Finding("journal", _("{table} record {id} was changed without a journal entry.")
                                        .format(table=table, id=record_id)))
        findings += _chain_findings(conn)
    return findings


def _chain_findings(conn) -> list[Finding]:
    """Walk both hash chains: an edited, deleted or inserted row breaks them where it was touched."""
    from okmot.db import chain
    from okmot.db.journal import CHAIN_FIELDS as JOURNAL_FIELDS
    from okmot.models import AuditEvent, ChangeLog
    from okmot.services.audit import CHAIN_FIELDS as AUDIT_FIELDS

    findings = []
    for table, fields, name in ((ChangeLog.__table__, JOURNAL_FIELDS, "journal_chain"),
                                (AuditEvent.__table__, AUDIT_FIELDS, "audit_chain")):
        rows = conn.execute(select(table).order_by(table.c.seq)).mappings()
        for brk in chain.verify(rows, fields):
            message = (_("{table} row {seq} was edited outside Okmot.") if brk.problem == "edited"
                       else _("{table}: a row before row {seq} was deleted or inserted outside Okmot."))
            findings.append(Finding(name, message.format(table=table.name, seq=brk.seq)))
    return findings
