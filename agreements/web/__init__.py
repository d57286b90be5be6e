"""The read-only web view (``agreements serve``): Flask pages rendered on the
server from the same read queries the command line uses, in Azerbaijani and
English, served by waitress. Nothing here writes to the database."""
