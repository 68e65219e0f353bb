"""Sessions: writers queue for the write lock instead of failing with "database is locked"."""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import func, select

from okmot.db.engine import Actor, Database
from okmot.models import Setting


def test_concurrent_writers_that_read_first_all_commit(db: Database) -> None:
    actor = Actor(None, "writer")
    errors: list[str] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with db.session(actor) as s:
                    s.get(Setting, uuid.uuid4())  # a read first: a deferred BEGIN would hold a stale snapshot
                    s.add(Setting(key=f"k{n}-{i}", value=i))
                    time.sleep(0.002)
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Setting)) == 60
