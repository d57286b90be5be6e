"""Moving whole histories in and out: import and export files (JSON, CSV)."""
