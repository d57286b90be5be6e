"""The weekly digest, one module per job, lowest first:

- ``statuses``: the outbox's statuses (light: the command line's choices);
- ``iso_week``: ISO weeks (``2026-W48``) and their Mondays;
- ``owners``: who holds a claim (``host:pid``) and whether that process is gone;
- ``recipients``: who gets the digest, in which language, following what;
- ``week``: the week read from the database once, and each recipient's digest;
- ``mail``: the sender and the transport, from the configuration;
- ``outbox``: queueing a week's messages, listing them, resending a failed one;
- ``delivery``: sending the due messages, at most once each;
- ``preview``: a digest rendered without sending;
- ``plans``: recording a planned date (a history event the digest shows);
- ``send``: the week's run (queue, then deliver) and the scheduler's work.
"""

#: The digest modules log under this one name (operators' log filters use it).
LOGGER = "agreements.digest.week"
