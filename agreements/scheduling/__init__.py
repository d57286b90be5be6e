"""Scheduled work: the jobs, their once-per-period claims and the APScheduler service."""
