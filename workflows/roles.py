"""Who may do what: viewers read, officers record, heads commit the state.

Pure rules; looking up a user's role is the database's job
(``agreements.writes.users``). While no user is registered the tracker is open to
whoever runs it, so a single officer's SQLite file needs no setup.
"""

from __future__ import annotations

from workflows.errors import DomainError
from workflows.stages import HEAD_STAGES

VIEWER, OFFICER, HEAD = "viewer", "officer", "head"
ROLES: tuple[str, ...] = (VIEWER, OFFICER, HEAD)
_RANK = {VIEWER: 0, OFFICER: 1, HEAD: 2}


class NotPermitted(DomainError):
    """The acting user's role does not allow the change."""


def needed_to_enter(stage: str) -> str:
    """The least role to put an agreement into ``stage``, by a move or by
    adding it there (the lifecycle's HEAD_STAGES say which need a head)."""
    return HEAD if stage in HEAD_STAGES else OFFICER


def check(actor: str, role: str, needed: str, what: str) -> None:
    """Raise NotPermitted unless ``role`` is at least ``needed``."""
    if role not in _RANK:
        raise NotPermitted(f"user {actor!r} has an unknown role {role!r}; roles: {', '.join(ROLES)}")
    if _RANK[role] < _RANK[needed]:
        if role == VIEWER:
            raise NotPermitted(f"{actor} is a viewer and can change nothing ({what} needs the {needed} role)")
        raise NotPermitted(f"{what} needs the {needed} role; {actor} is {'an' if role == OFFICER else 'a'} {role}")
