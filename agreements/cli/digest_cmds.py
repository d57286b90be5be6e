"""Placeholder until the digest commands land."""
COMMANDS: list = []
