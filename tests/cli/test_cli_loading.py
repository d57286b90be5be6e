"""The command table loads every command lazily and misses none."""

import importlib
import subprocess
import sys

from agreements.cli import COMMANDS

MODULES = (
    "setup_cmds",
    "agreement_cmds",
    "move_cmds",
    "after_cmds",
    "revise_cmds",
    "transfer_cmds",
    "stall_cmds",
    "scheduler_cmds",
    "query_cmds",
    "digest_cmds",
    "user_cmds",
    "web_cmds",
)


def test_the_table_names_exactly_the_commands_the_modules_define():
    defined = {}
    for name in MODULES:
        module = importlib.import_module(f"agreements.cli.{name}")
        for command in module.COMMANDS:
            defined[command.name] = name
    assert {name: target.split(":")[0] for name, target in COMMANDS.items()} == defined
    for name, target in COMMANDS.items():
        module, attribute = target.split(":")
        assert getattr(importlib.import_module(f"agreements.cli.{module}"), attribute).name == name


def test_help_and_one_command_import_only_what_they_need():
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from agreements.cli import main\n"
        "r = CliRunner().invoke(main, {args})\n"
        "print(r.exit_code, sorted(m for m in ('sqlalchemy', 'jinja2', 'apscheduler', 'babel', 'flask', 'waitress', 'agreements.cli.digest_cmds', 'agreements.cli.query_cmds') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe.format(args=["--help"])], capture_output=True, text=True).stdout
    assert (
        out.strip().startswith("0 [")
        and "sqlalchemy" not in out
        and "jinja2" not in out
        and "apscheduler" not in out
        and "babel" not in out
        and "flask" not in out
        and "waitress" not in out
    )
    out = subprocess.run([sys.executable, "-c", probe.format(args=["workflow"])], capture_output=True, text=True).stdout
    assert out.strip() == "0 []"


def test_reading_one_agreement_loads_no_holiday_tables_nor_the_scheduler(tmp_path):
    """`history` reads the configured time zone, not the working-day calendar."""
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from agreements.cli import main\n"
        "r = CliRunner().invoke(main, ['--db', sys.argv[1], 'history', 'RA-MDA'])\n"
        "print(r.exit_code, sorted(m for m in ('holidays', 'apscheduler', 'jinja2', 'babel') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "none.db")], capture_output=True, text=True)
    assert out.stdout.strip() == "1 []", out
