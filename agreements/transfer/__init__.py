"""Moving whole histories in and out: import and export files (JSON, CSV).

formats.py (the file format and its records), reading.py (files into
records), importer.py (records into the database, one transaction),
exporter.py (the database into files, streamed), bulk.py (what keeps a
large import fast).
"""
