"""Placeholder until the scheduler commands land."""
COMMANDS: list = []
