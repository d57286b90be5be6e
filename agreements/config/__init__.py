"""Where things live and how the tracker is set: database location, acting user, the TOML file."""
