"""The write path: use-case commands, the authorisation check and the one function that applies an event."""
