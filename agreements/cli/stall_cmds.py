"""Placeholder until the stall commands land."""
COMMANDS: list = []
