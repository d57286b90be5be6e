"""Negotiation tracker for bilateral agreements: the application package."""

__version__ = "0.1.0"
