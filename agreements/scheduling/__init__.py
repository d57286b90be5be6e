"""Scheduled work, one module per job, lowest first:

- ``periods``: the period a run is for (a day, an ISO week) and the cron fire times;
- ``claims``: once-per-period claims in ``job_runs`` and their statuses;
- ``jobs``: the jobs, running one for a period, and APScheduler's entry points;
- ``service``: the APScheduler service that runs them.
"""

#: The scheduling modules log under this one name (operators' log filters use it).
LOGGER = "agreements.scheduling.service"
