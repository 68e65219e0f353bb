"""Record ids that keep one installation's records together: installation prefix, creation second, random bits.

Random (version 4) UUIDs put each new record at a random place in every index keyed by an id, so a
district applying one office's package rewrote most index pages of the whole district database. These
ids are still UUIDs (version 8, RFC 9562's layout for custom ids), made so that they sort by
installation first and by time next: one office's records sit in one range of every such index, and
the records it makes later go to the end of that range. Uniqueness rests on the random bits (56 per
installation and second), never on the prefix, so two installations sharing a prefix is harmless.

Bits, most significant first: prefix 32 | seconds 16 | version 4 | seconds 12 | variant 2 | seconds 6 |
random 56 — 34 bits of seconds since 1970 (until the year 2514).
"""

from __future__ import annotations

import secrets
import time
import uuid

from sqlalchemy import JSON, DateTime, String, column, select, table
from sqlalchemy.orm import Session

PREFIX_BITS = 32
RANDOM_BITS = 56
SECONDS_BITS = 34
VERSION = 8
#: Where a session keeps the prefix of the database's installation once it was read.
PREFIX_KEY = "okmot_id_prefix"
INSTALLATION_SETTING = "installation_id"

# okmot.models.Setting's table, named here because okmot.models builds on okmot.db, not the other way.
_setting = table("setting", column("key", String), column("value", JSON), column("deleted_at", DateTime))


def make_id(prefix: int, seconds: int, random: int) -> uuid.UUID:
    """The id with these parts (each cut to its width)."""
    s = seconds & ((1 << SECONDS_BITS) - 1)
    return uuid.UUID(int=(prefix & ((1 << PREFIX_BITS) - 1)) << 96
                     | (s >> 18) << 80
                     | VERSION << 76
                     | ((s >> 6) & 0xFFF) << 64
                     | 0b10 << 62  # the RFC variant
                     | (s & 0x3F) << 56
                     | random & ((1 << RANDOM_BITS) - 1))


def new_id(prefix: int) -> uuid.UUID:
    """A new id for a record made now by the installation with this prefix."""
    return make_id(prefix, int(time.time()), secrets.randbits(RANDOM_BITS))


def prefix_of(installation_id: str) -> int:
    """An installation's prefix: the first 32 bits of its id (itself a random UUID)."""
    return uuid.UUID(installation_id).int >> (128 - PREFIX_BITS)


def installation_with_prefix(prefix: int, rest: int) -> uuid.UUID:
    """An installation id whose prefix is ``prefix`` (a demo village's, drawn from its seed)."""
    return uuid.UUID(int=(prefix & ((1 << PREFIX_BITS) - 1)) << (128 - PREFIX_BITS)
                     | rest & ((1 << (128 - PREFIX_BITS)) - 1), version=4)


def remember(session: Session, installation_id: str) -> None:
    """Make the session's new records carry this installation's prefix (needed when it was just created,
    before its setting is flushed)."""
    session.info[PREFIX_KEY] = prefix_of(installation_id)


def session_prefix(session: Session) -> int:
    """The prefix for records this session creates: its database's installation, read once per session.

    A database without an installation id yet (before the office is set up) gets a random prefix for
    the session: only locality depends on it.
    """
    prefix = session.info.get(PREFIX_KEY)
    if prefix is None:
        value = session.connection().execute(
            select(_setting.c.value).where(_setting.c.key == INSTALLATION_SETTING,
                                           _setting.c.deleted_at.is_(None))).scalar()
        try:
            prefix = prefix_of(value) if isinstance(value, str) else secrets.randbits(PREFIX_BITS)
        except ValueError:
            prefix = secrets.randbits(PREFIX_BITS)  # not a UUID (edited by hand): ids stay unique anyway
        session.info[PREFIX_KEY] = prefix
    return prefix
