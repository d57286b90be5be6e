"""The SMTP password never appears in logs, ``config show``, exceptions or the database.

The password is configured the two documented ways (``smtp.password_env``,
default ``$AGREEMENTS_SMTP_PASSWORD``, and ``smtp.password_file``) and used
against a real aiosmtpd server on 127.0.0.1 that requires AUTH: a successful
login, a refused login, a server that garbles the AUTH exchange, a closed
port, and the scheduler's weekly job. Every log record (all loggers at DEBUG,
SQL statements included), every CLI output, every table of the database (text
and binary columns, APScheduler's pickled jobs included) and the messages of
every exception are searched for the password and for the base64 forms it
takes on the wire (AUTH PLAIN and LOGIN).

``AGREEMENTS_DEBUG=1`` shows the traceback of an *unexpected* failure only.
Decided: the password may not appear there either. A Python traceback prints
code and exception messages, never local variables, and no exception raised
on the way carries the password; a failed delivery is a handled error (one
``Error:`` line) with or without the switch.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import traceback
from datetime import timedelta

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import inspect, text

from agreements.clock import Clock
from agreements.config.file import load_config
from agreements.store.database import Database
from notifications.settings import SmtpSettings
from notifications.transport import DeliveryError, SmtpTransport
from tests.support import ROOT, Server, Sink, free_port

PASSWORD = "Zq9-hunter2-s3cr3t!"
USER = "digest"
SENDER = "Tracker <digest@migration.gov.az>"

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def secret_forms(password: str = PASSWORD) -> list[str]:
    """The password and the base64 forms SMTP AUTH PLAIN and LOGIN send it in."""
    raw = password.encode("utf-8")
    return [password] + [base64.b64encode(v).decode("ascii") for v in (raw, b"\0" + USER.encode() + b"\0" + raw)]


def assert_no_secret(value, where: str, password: str = PASSWORD) -> None:
    if isinstance(value, memoryview):
        value = value.tobytes()
    for form in secret_forms(password):
        if isinstance(value, (bytes, bytearray)):
            assert form.encode("utf-8") not in value, f"the password ({form!r}) is in {where}"
        else:
            assert form not in str(value), f"the password ({form!r}) is in {where}"


# --------------------------------------------------------------------------- real SMTP servers


class Garbling(Sink):
    """Answers AUTH PLAIN with a challenge that is not base64."""

    async def auth_PLAIN(self, server, args):
        await server.push("334 abc")
        await server._reader.readline()
        return AuthResult(success=False, handled=False)


class SmtpServer(Server):
    """A real aiosmtpd server requiring AUTH; ``accept`` says which password it takes."""

    def __init__(self, accept: str | None = PASSWORD, handler: Sink | None = None):
        self.logins: list[bool] = []

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                accept is not None
                and isinstance(auth_data, LoginPassword)
                and (auth_data.login, auth_data.password) == (USER.encode(), accept.encode())
            )
            self.logins.append(ok)
            return AuthResult(success=ok, handled=False)  # not handled: the server answers 535

        super().__init__(handler=handler, authenticator=authenticator)


@pytest.fixture
def servers():
    """A server that accepts the password, one that refuses it, one that garbles AUTH."""
    with SmtpServer() as good, SmtpServer(accept=None) as refusing, SmtpServer(handler=Garbling()) as garbling:
        yield {"good": good, "refusing": refusing, "garbling": garbling}


def write_config(tmp_path, name: str, port: int, *, password_file=None) -> str:
    source = f'password_file = "{password_file}"\n' if password_file else ""
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\nuser = "{USER}"\n{source}'
        f'from = "{SENDER}"\ntimeout = 5\n',
        encoding="utf-8",
    )
    return str(path)


# --------------------------------------------------------------------------- helpers


def every_stored_value(db: Database):
    """(where, value) for every column of every row of every table."""
    with db.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for number, row in enumerate(result):
                for column, value in zip(columns, row):
                    yield f"{table}.{column} (row {number})", value


@pytest.fixture(autouse=True)
def library_logging_as_in_a_fresh_process():
    """`agreements scheduler run` adds a stderr handler to the "agreements"
    logger and keeps it for the rest of the process; each command here runs
    as in a fresh process (no such handler), and the handlers are restored after."""
    saved = {
        name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level)
        for name in ("agreements", "apscheduler")
    }
    for name in saved:
        logging.getLogger(name).handlers = []
    yield
    for name, (handlers, level) in saved.items():
        logging.getLogger(name).handlers = handlers
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def all_logs(caplog):
    """Every logger at DEBUG (SQLAlchemy's statements and aiosmtpd's session
    log included); yields the captured records."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict) + ["sqlalchemy", "sqlalchemy.engine", "mail.log", "agreements"]:
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def log_text(caplog) -> str:
    lines = []
    for record in caplog.records:
        lines.append(f"{record.name} {record.levelname} {record.getMessage()}")
        if record.exc_info:
            lines.append("".join(traceback.format_exception(*record.exc_info)))
    return "\n".join(lines)


def printed_chain(exc: BaseException) -> str:
    """What a traceback of ``exc`` prints (its cause or context as Python shows them)."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


# --------------------------------------------------------------------------- config show


def test_config_show_masks_the_password_from_the_environment_or_a_file(cli, tmp_path, monkeypatch):
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    monkeypatch.setenv("AGREEMENTS_SMTP_PASSWORD", PASSWORD)
    from_env = write_config(tmp_path, "env", 25)
    from_file = write_config(tmp_path, "file", 25, password_file=secret)
    assert load_config(from_env).smtp.password() == load_config(from_file).smtp.password() == PASSWORD
    for config, source in ((from_env, "$AGREEMENTS_SMTP_PASSWORD"), (from_file, f"file {secret}")):
        for debug in ("", "1"):
            monkeypatch.setenv("AGREEMENTS_DEBUG", debug)
            code, out, err = cli("--config", config, "config", "show")
            assert code == 0, err
            assert_no_secret(out + err, "config show")
            line = next(line for line in out.splitlines() if line.startswith("smtp.password "))
            assert "'***'" in line and line.endswith(f"# {source}")
            code, out, err = cli("--config", config, "config", "show", "--format", "json")
            assert code == 0, err
            assert_no_secret(out + err, "config show --format json")
            settings = {s["key"]: s for s in json.loads(out)["settings"]}
            assert settings["smtp.password"] == {"key": "smtp.password", "value": "***", "source": source}
    # the configuration objects do not hold it either (only where to read it)
    assert_no_secret(repr(load_config(from_env)), "repr(Config)")
    assert_no_secret(repr(load_config(from_file)), "repr(Config)")


# --------------------------------------------------------------------------- sending


def test_the_password_is_nowhere_after_good_refused_garbled_and_failed_sends(
    db, cli, tmp_path, monkeypatch, servers, all_logs
):
    caplog = all_logs
    monkeypatch.setenv("AGREEMENTS_SMTP_PASSWORD", PASSWORD)
    outputs: list[tuple[str, str]] = []

    def run(*args, exit_code=0):
        code, out, err = cli(*args)
        outputs.append((" ".join(args), out + err))
        assert code == exit_code, (args, code, out, err)
        assert "Traceback" not in out + err
        return out, err

    run(
        "add",
        "RA-TST",
        "--kind",
        "readmission",
        "--party",
        "MDA",
        "--stage",
        "mfa",
        "--on",
        "2025-01-06",
        "--title-az",
        "Sınaq sazişi",
        "--title-en",
        "Test agreement",
    )
    run("recipients", "add", "leyla@migration.gov.az", "--name", "Leyla Məmmədova", "--locale", "az")
    good = write_config(tmp_path, "good", servers["good"].port)
    refusing = write_config(tmp_path, "refusing", servers["refusing"].port)
    garbling = write_config(tmp_path, "garbling", servers["garbling"].port)
    closed = write_config(tmp_path, "closed", free_port())

    run("--config", good, "config", "show")
    out, _ = run("--config", good, "digest", "send", "--week", "2025-W10")
    assert "sent 1 via smtp://127.0.0.1" in out
    assert servers["good"].logins == [True] and len(servers["good"].sink.envelopes) == 1  # the password was used

    _, err = run("--config", refusing, "digest", "send", "--week", "2025-W11", exit_code=1)
    assert err.startswith("Error: 1 digest(s) of 2025-W11 are still queued")
    assert servers["refusing"].logins and not any(servers["refusing"].logins)  # tried, refused
    _, err = run("--config", garbling, "digest", "send", "--week", "2025-W12", exit_code=1)
    assert err.startswith("Error: 1 digest(s) of 2025-W12 are still queued")
    _, err = run("--config", closed, "digest", "send", "--week", "2025-W13", exit_code=1)
    assert err.startswith("Error: 1 digest(s) of 2025-W13 are still queued")
    out, _ = run("outbox", "--format", "json")
    errors = {row["week"]: row["last_error"] for row in json.loads(out)}
    assert "SMTP login to 127.0.0.1" in errors["2025-W11"] and "535" in errors["2025-W11"]
    assert "unreadable answer from the server" in errors["2025-W12"]
    assert "cannot connect to 127.0.0.1" in errors["2025-W13"]
    run("outbox")

    # the scheduler's weekly job (this week's digest, through the same login)
    out, err = run("--config", good, "scheduler", "run", "--once")
    assert "weekly_digest" in out and "sent 1 via smtp://127.0.0.1" in out
    assert servers["good"].logins == [True, True]
    # and its job store: APScheduler's table of pickled jobs
    from agreements.scheduling.service import Service

    service = Service(Database(db.url), load_config(good))
    scheduler = service.build()
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)
    service.db.dispose()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM apscheduler_jobs")).scalar() == 2

    # the logs were really captured at DEBUG, from the product, SQLAlchemy and the server
    names = {r.name for r in caplog.records}
    assert "agreements.digest.week" in names and "mail.log" in names
    assert any(n.startswith("sqlalchemy.engine") for n in names)
    assert any("AUTH PLAIN" in r.getMessage() for r in caplog.records)  # the login is logged (masked)

    assert_no_secret(log_text(caplog), "the log records")
    for command, printed in outputs:
        assert_no_secret(printed, f"the output of `agreements {command}`")
    values = list(every_stored_value(db))
    assert any(where.startswith("apscheduler_jobs.job_state") for where, _ in values)
    assert any(where.startswith("outbox.message") for where, _ in values)
    for where, value in values:
        assert_no_secret(value if isinstance(value, (bytes, bytearray, memoryview)) else repr(value), where)


def test_a_password_file_is_read_when_needed_and_never_shown(db, cli, tmp_path, servers, all_logs):
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    config = write_config(tmp_path, "good", servers["good"].port, password_file=secret)
    code, out, err = cli("recipients", "add", "leyla@migration.gov.az", "--name", "Leyla", "--locale", "en")
    assert code == 0, err
    code, out, err = cli("--config", config, "digest", "send", "--week", "2025-W10")
    assert code == 0 and "sent 1" in out, err
    assert servers["good"].logins == [True]
    secret.unlink()  # a missing file: a clear error naming the file, the digest stays queued
    code, out2, err2 = cli("--config", config, "digest", "send", "--week", "2025-W11")
    assert code == 1 and err2.startswith("Error: 1 digest(s) of 2025-W11 are still queued")
    with db.engine.connect() as connection:
        error = connection.execute(text("SELECT last_error FROM outbox WHERE week = '2025-W11'")).scalar()
    assert f"smtp.password_file: cannot read {secret}" in error
    assert_no_secret(out + err + out2 + err2 + log_text(all_logs), "output and logs")
    for where, value in every_stored_value(db):
        assert_no_secret(value if isinstance(value, (bytes, bytearray, memoryview)) else repr(value), where)


# --------------------------------------------------------------------------- exceptions


@pytest.mark.parametrize("case", ["refused", "garbled", "closed", "non-ascii"])
def test_no_exception_on_the_way_carries_the_password(servers, case):
    password = "Zq9-pässwörd-s3cr3t" if case == "non-ascii" else PASSWORD
    port = {
        "refused": servers["refusing"].port,
        "garbled": servers["garbling"].port,
        "closed": free_port(),
        "non-ascii": servers["good"].port,
    }[case]
    transport = SmtpTransport(
        SmtpSettings(host="127.0.0.1", port=port, security="plain", user=USER, password=lambda: password, timeout=5)
    )
    with pytest.raises(DeliveryError) as caught, transport.session():
        pass
    error = caught.value
    assert error.broken and not error.permanent  # retried later, the batch waits
    assert_no_secret(printed_chain(error), "the traceback", password)
    chain, seen = [], error
    while seen is not None:  # every exception Python would print with it
        chain.append(seen)
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    for exc in chain:
        assert_no_secret(str(exc), f"{type(exc).__name__} message", password)
    assert_no_secret(repr(transport.settings), "repr(SmtpSettings)", password)
    expected = {
        "refused": "SMTP login to 127.0.0.1",
        "garbled": "unreadable answer from the server",
        "closed": "cannot connect to 127.0.0.1",
        "non-ascii": "non-ASCII characters",
    }[case]
    assert expected in str(error)


def test_with_agreements_debug_a_failed_send_is_one_error_line_without_the_password(db, tmp_path, servers):
    """Real processes with AGREEMENTS_DEBUG=1: the switch shows tracebacks of
    unexpected failures only; a delivery failure stays one Error line, and
    nothing printed holds the password (from the environment or from a file)."""
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD, encoding="utf-8")
    env = {**os.environ, "AGREEMENTS_DEBUG": "1", "AGREEMENTS_SMTP_PASSWORD": PASSWORD, "AGREEMENTS_USER": "tester"}
    base = [sys.executable, "-m", "agreements", "--db", db.url]
    added = subprocess.run(
        base + ["recipients", "add", "a@migration.gov.az", "--name", "A", "--locale", "en"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert added.returncode == 0, added.stderr
    configs = [
        write_config(tmp_path, "refusing", servers["refusing"].port),
        write_config(tmp_path, "garbling", servers["garbling"].port, password_file=secret),
        write_config(tmp_path, "closed", free_port()),
    ]
    monday = Clock().today() - timedelta(days=Clock().today().weekday())
    for number, config in enumerate(configs):
        week = (monday - timedelta(weeks=10 + number)).strftime("%G-W%V")
        done = subprocess.run(
            base + ["--config", config, "digest", "send", "--week", week],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert done.stderr.splitlines() == [done.stderr.strip()] and done.stderr.startswith(
            f"Error: 1 digest(s) of {week}"
        )
        assert "Traceback" not in done.stdout + done.stderr
        assert_no_secret(done.stdout + done.stderr, f"the output with {config}")
    assert servers["refusing"].logins and not any(servers["refusing"].logins)
