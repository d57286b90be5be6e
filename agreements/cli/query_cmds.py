"""Placeholder until the history query commands land."""
COMMANDS: list = []
