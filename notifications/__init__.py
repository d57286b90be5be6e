"""Delivery of digests: builds messages from plain data and sends them.

Knows nothing of the database: the application hands over a
:class:`~notifications.model.Digest` (plain data) and gets back rendered text
and HTML (:mod:`notifications.render`), an e-mail message
(:mod:`notifications.message`) and a way to deliver it
(:mod:`notifications.transport`: SMTP or a folder of ``.eml`` files).
"""
