"""Who holds a claim: this process as ``host:pid``, and whether the process
named by a claim is known to be gone.

Both kinds of claim name their owner this way: a job run's period
(``agreements.scheduling.claims``) and an outbox row being sent
(``agreements.digest.delivery``); a claim whose owner is gone is settled at
once instead of after the hour that marks a claim abandoned.
"""

from __future__ import annotations

import os
import socket


def process_owner() -> str:
    """This process as claims name their owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_gone(owner: str) -> bool:
    """True if the process ``host:pid`` is known to be dead (same host only)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
