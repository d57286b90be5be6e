"""The statuses of an outbox row, defined once.

- ``queued``: waiting to be sent (``next_attempt_at`` says from when: backoff);
- ``sending``: claimed by one sender, which may be handing it over right now;
- ``sent``: accepted by the server, or written to the folder;
- ``failed``: refused for good (5xx), out of attempts, or in doubt after an
  interrupted send: not retried automatically (``agreements digest resend``);
- ``skipped``: nothing to send (a "needs action only" recipient with nothing
  needing action).

No imports: the command line offers these as choices without loading the
database layer.
"""

from __future__ import annotations

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
STATUSES: tuple[str, ...] = (QUEUED, SENDING, SENT, FAILED, SKIPPED)
