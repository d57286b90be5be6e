"""Transports: SMTP (one connection for a batch) and a folder of ``.eml`` files.

Both take ready message bytes. A failure is a :class:`DeliveryError` that
says whether retrying can help (``permanent=False``: the server is down, busy
or answered 4xx) or not (``permanent=True``: the server refused the message
or the recipient with a 5xx answer).

A session also says the largest message its server takes (``max_size``: the
SMTP ``SIZE`` extension, RFC 1870; ``None`` when there is no limit), counted
as :func:`wire_size` counts a message.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from notifications.settings import FILE, SMTP, SSL, STARTTLS, SmtpSettings

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


class DeliveryError(Exception):
    def __init__(self, message: str, permanent: bool = False, broken: bool = False, in_doubt: bool = False):
        super().__init__(message)
        self.permanent = permanent
        #: the connection is unusable: the rest of the batch waits for a later run
        self.broken = broken
        #: the message was handed over and no answer came: the server may have accepted it
        self.in_doubt = in_doubt


_LEADING_DOT = re.compile(rb"(?m)^\.")


def wire_size(raw: bytes) -> int:
    """The size of ``raw`` as an SMTP server counts it against its ``SIZE``:
    the bytes of the DATA lines as sent (dot-stuffed, ending with CRLF)."""
    stuffed = len(raw) + len(_LEADING_DOT.findall(raw))
    return stuffed if raw.endswith(b"\r\n") else stuffed + 2


class Session(Protocol):
    #: the largest message the server takes (:func:`wire_size`), if it says
    max_size: int | None

    def send(
        self, raw: bytes, sender: str, recipients: Sequence[str], name: str, hand_over: Callable[[], None] | None = None
    ) -> None:
        """Deliver ``raw``. ``hand_over`` is called at the last moment before
        the message can be accepted (SMTP: before the end-of-data line; files:
        before the rename); until then a crash cannot have delivered it. If it
        raises, the message is not handed over."""


class Transport(Protocol):
    name: str

    def describe(self) -> str: ...

    def session(self) -> AbstractContextManager[Session]: ...


# --------------------------------------------------------------------------- SMTP


def _error_text(exc: BaseException) -> str:
    """An SMTP or OS error in one line: the server's code and answer, else the exception's type and message."""
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(error.split())}"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _HandOver(smtplib.SMTP):
    """smtplib's SMTP client whose DATA command calls back just before the end-of-data line.

    A server takes responsibility for a message only when it has read the
    final "." line (RFC 5321, 4.1.1.4); a connection lost before that line
    delivers nothing. ``hand_over`` (set for one message) runs before the line
    is sent; if it raises, the connection is closed without it. ``in_doubt``
    is true from the moment the line is sent until the server's answer is read.
    """

    hand_over: Callable[[], None] | None = None
    in_doubt = False

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):  # sendmail passes bytes; re.sub with a bytes pattern raises this for a str
            raise TypeError("cannot use a bytes pattern on a string-like object")
        body = _LEADING_DOT.sub(b"..", msg)  # as smtplib: dot-stuffing, bytes sent as they are
        if body[-2:] != b"\r\n":
            body += b"\r\n"
        self.send(body)
        if self.hand_over is not None:
            try:
                self.hand_over()
            except BaseException:
                self.close()  # the server never sees the end of the data: nothing is delivered
                raise
        self.in_doubt = True
        self.send(b".\r\n")
        code, reply = self.getreply()
        self.in_doubt = False
        return code, reply


class _SMTP(_HandOver, smtplib.SMTP):
    pass


class _SMTP_SSL(_HandOver, smtplib.SMTP_SSL):
    pass


class _SmtpSession:
    def __init__(self, client: _HandOver, where: str):
        self.client = client
        self.where = where
        self.broken: str | None = None
        self.max_size = _size_limit(client)

    def send(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        name: str = "",
        hand_over: Callable[[], None] | None = None,
    ) -> None:
        if self.broken:
            raise DeliveryError(self.broken, broken=True)
        client = self.client
        client.hand_over, client.in_doubt = hand_over, False
        try:
            refused = client.sendmail(sender, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            detail = "; ".join(
                f"{rcpt}: {_error_text(smtplib.SMTPResponseException(c, m))}" for rcpt, (c, m) in exc.recipients.items()
            )
            raise DeliveryError(
                f"recipient refused by {self.where}: {detail}", permanent=all(c >= 500 for c in codes)
            ) from None
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            raise DeliveryError(
                f"refused by {self.where}: {_error_text(exc)}", permanent=exc.smtp_code >= 500
            ) from None
        except (smtplib.SMTPServerDisconnected, OSError, smtplib.SMTPException) as exc:
            self.broken = f"connection to {self.where} lost: {_error_text(exc)}"
            if client.in_doubt:  # after the end of the data, before the answer
                raise DeliveryError(
                    f"no answer from {self.where} after the end of the message ({_error_text(exc)})",
                    broken=True,
                    in_doubt=True,
                ) from None
            raise DeliveryError(self.broken, broken=True) from None
        finally:
            client.hand_over = None
        if refused:
            detail = "; ".join(f"{rcpt}: {code}" for rcpt, (code, _m) in refused.items())
            raise DeliveryError(f"recipient refused by {self.where}: {detail}", permanent=True)


def _size_limit(client: smtplib.SMTP) -> int | None:
    """The server's ``SIZE`` (from its EHLO answer); none, 0 or unreadable: no limit known."""
    value = client.esmtp_features.get("size", "").strip() if client.does_esmtp else ""
    return int(value) if value.isdigit() and int(value) > 0 else None


class SmtpTransport:
    """Sends through one SMTP connection per batch."""

    name = SMTP

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def describe(self) -> str:
        s = self.settings
        return f"smtp://{s.host}:{s.effective_port} ({s.security})"

    def _connect(self) -> _HandOver:
        s = self.settings
        context = ssl.create_default_context()
        client: _HandOver
        if s.security == SSL:
            client = _SMTP_SSL(s.host, s.effective_port, timeout=s.timeout, context=context)
        else:
            client = _SMTP(s.host, s.effective_port, timeout=s.timeout)
        try:
            client.ehlo()
            if s.security == STARTTLS:
                client.starttls(context=context)
                client.ehlo()
            if s.user:
                password = s.password() if s.password else None
                if password is None:
                    raise DeliveryError(f"SMTP user {s.user!r} is set but no password is available")
                try:
                    client.login(s.user, password)
                except UnicodeEncodeError:
                    raise DeliveryError(
                        "the SMTP user name or password has non-ASCII characters, which SMTP login "
                        "(AUTH PLAIN/LOGIN in Python's smtplib) cannot send; use an ASCII password"
                    ) from None
                except ValueError as exc:  # a garbled challenge (smtplib decodes it as base64)
                    raise DeliveryError(f"SMTP login: unreadable answer from the server ({_error_text(exc)})") from None
        except BaseException:
            try:
                client.close()
            finally:
                pass
            raise
        return client

    @contextmanager
    def session(self) -> Iterator[_SmtpSession]:
        where = f"{self.settings.host}:{self.settings.effective_port}"
        try:
            client = self._connect()
        except DeliveryError as exc:
            raise DeliveryError(str(exc), broken=True) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login to {where} refused: {_error_text(exc)}", broken=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"cannot connect to {where}: {_error_text(exc)}", broken=True) from None
        session = _SmtpSession(client, where)
        try:
            yield session
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()


# --------------------------------------------------------------------------- files

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


def eml_file(folder: Path, name: str) -> Path:
    """The file the file transport writes the message ``name`` to."""
    return folder / f"{_UNSAFE.sub('_', name or 'message').strip('._') or 'message'}.eml"


class _FileSession:
    max_size: int | None = None  # a folder takes any size

    def __init__(self, folder: Path):
        self.folder = folder

    def send(
        self,
        raw: bytes,
        sender: str,
        recipients: Sequence[str],
        name: str = "",
        hand_over: Callable[[], None] | None = None,
    ) -> None:
        target = eml_file(self.folder, name)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
            if hand_over is not None:
                hand_over()
            os.replace(tmp, target)
        except BaseException as exc:
            if tmp is not None:  # a half-written or unsent file is no message
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            if isinstance(exc, OSError):
                raise DeliveryError(f"cannot write {target}: {_error_text(exc)}", broken=True) from None
            raise


class FileTransport:
    """Writes each message as an ``.eml`` file: real digests without a mail server."""

    name = FILE

    def __init__(self, folder: Path | str):
        self.folder = Path(folder).expanduser()

    def describe(self) -> str:
        return f"files in {self.folder}"

    @contextmanager
    def session(self) -> Iterator[_FileSession]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryError(f"cannot create {self.folder}: {_error_text(exc)}", broken=True) from None
        yield _FileSession(self.folder)
