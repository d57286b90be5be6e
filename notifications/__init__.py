"""Delivery of digests: builds messages from plain data and sends them.

Knows nothing of the database. The weekly digest lands here.
"""
