"""Read side: list, show, history, log, search, reports, stalls and verify; nothing here writes."""
