"""What a write changed, so every view that shows it can refresh."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    households: frozenset[uuid.UUID] = field(default_factory=frozenset)
    persons: frozenset[uuid.UUID] = field(default_factory=frozenset)
    territory: bool = False
    users: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            households=self.households | other.households,
            persons=self.persons | other.persons,
            territory=self.territory or other.territory,
            users=self.users or other.users,
        )

    @property
    def empty(self) -> bool:
        return not (self.households or self.persons or self.territory or self.users)
