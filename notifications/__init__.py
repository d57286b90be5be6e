"""Delivery of digests: builds messages from plain data and sends them.

Knows nothing of the database: the application hands over a
:class:`~notifications.model.Digest` (plain data) and gets back rendered text
and HTML (:mod:`notifications.render`, in the words of
:mod:`notifications.i18n`), an e-mail message (:mod:`notifications.message`)
and a way to deliver it (:mod:`notifications.transport`: SMTP or a folder of
``.eml`` files, configured by :mod:`notifications.settings`).

The rule for the words of the domain: ``notifications`` may import the pure
vocabulary and rules of ``workflows`` (stage names and labels, holders,
locales, event kinds, stall levels, the address and control-character
rules), which are free of I/O and defined once there. It never imports
``agreements``: the application passes plain data (codes, titles already in
the recipient's language, stage and kind *names*), and ``notifications`` turns
the names into words itself.
"""
