"""The message catalogs, the choice of language, and Azerbaijani output with no English word left."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.support import ROOT, ok
from workflows.locales import LOCALE_DIR, LOCALES

WORD = re.compile(r"[^\W\d_]+")
MONTH = re.compile(r"(yanvar|fevral|mart|aprel|may|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr)\w*")
# the fields whose text is the record's own (titles, notes, places, names, references): shown as stored
FREE_TEXT = {
    "code",
    "title_az",
    "title_en",
    "parties",
    "parent",
    "officer",
    "note",
    "place",
    "outcome",
    "reason",
    "reference",
    "actor",
    "what_done",
    "instrument",
    "rule",
    "stated_actor",
    "stated_recorded_at",
    "recorded_at",
    "entry_rule_az",
    "sentence_az",
    "parties_table_az",
}


def catalog(lang: str):
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "agreements.po", "rb") as handle:
        return read_po(handle, locale=lang)


def strings(message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def source_messages() -> set[tuple[str | None, str]]:
    """Every message the sources ask for, as pybabel extract -F babel.cfg finds them."""
    found = set()
    for folder in ("agreements", "notifications", "workflows"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")]
        ):
            found.add((context, message if isinstance(message, str) else message[0]))
    return found


@pytest.mark.parametrize("lang", LOCALES)
def test_each_compiled_catalog_is_what_its_source_compiles_to(lang):
    compiled = io.BytesIO()
    write_mo(compiled, catalog(lang))
    shipped = (LOCALE_DIR / lang / "LC_MESSAGES" / "agreements.mo").read_bytes()
    assert shipped == compiled.getvalue(), f"run: pybabel compile -D agreements -d workflows/locale -l {lang}"


@pytest.mark.parametrize("lang", LOCALES)
def test_every_message_of_the_sources_is_translated(lang):
    messages = catalog(lang)
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in messages if m.id}
    missing = source_messages() - known
    assert not missing, f"not in the {lang} catalog (pybabel extract + update): {sorted(map(str, missing))}"
    untranslated = [m.id for m in messages if m.id and not all(strings(m))]
    assert not untranslated, f"no {lang} translation for {untranslated}"
    assert not [m.id for m in messages if m.id and m.fuzzy], "fuzzy translations are not shipped"


def test_the_catalog_files_are_package_data():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"locale/*/LC_MESSAGES/*.mo"' in pyproject
    assert Path(LOCALE_DIR).is_relative_to(ROOT / "workflows")


def azerbaijani_words() -> set[str]:
    found = set()
    for message in catalog("az"):
        if message.id:
            for text in strings(message):
                found |= words(text)
    return found


def record_words(data) -> set[str]:
    """The words of the record's own text in a command's JSON output."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in FREE_TEXT and value is not None:
                found |= words(json.dumps(value, ensure_ascii=False))
            else:
                found |= record_words(value)
    elif isinstance(data, list):
        for item in data:
            found |= record_words(item)
    return found


def foreign_words(out: str, record: set[str]) -> set[str]:
    """The words of ``out`` that are neither Azerbaijani of the catalogs and
    the lifecycle, nor the record's own text, nor a date's words."""
    from workflows.acts import ACT_LABELS
    from workflows.stages import HOLDERS, STAGES

    allowed = azerbaijani_words() | record
    for _en, az in ACT_LABELS.values():
        allowed |= words(az)
    for stage in STAGES.values():
        allowed |= words(stage.label_az)
    for _en, az in HOLDERS.values():
        allowed |= words(az)
    # Azerbaijani dates in words: "2016-cı ilin dekabrın 31-dək"
    allowed |= {"cı", "ci", "cu", "cü", "ilin", "dək", "dən", "dan", "ayı"}
    allowed |= {w for w in words(out) if MONTH.fullmatch(w)}
    # a title cut to fit ("Beyn…") or wrapped shows the start of a word of the record
    return {w for w in words(out) - allowed if not any(r.startswith(w) for r in record)}


COMMANDS = (("list",), ("show", "RA-MDA"), ("history", "RA-MDA"), ("show", "MP-EU"), ("history", "RA-EU"))


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_azerbaijani_output_has_no_english_word(cli, seeded, command):
    record = record_words(json.loads(ok(cli(*command, "--format", "json"))))
    english = ok(cli(*command))
    # the check can fail: the English output is full of words it does not allow
    assert {"since", "awaiting", "counterparts", "details"} & foreign_words(english, record)
    for out in (ok(cli("--lang", "az", *command)), ok(cli(*command, "--lang", "az"))):
        assert not foreign_words(out, record), out


def test_lang_is_taken_before_or_after_the_command_and_from_the_environment(cli, seeded, monkeypatch):
    header = "kod"
    assert ok(cli("--lang", "az", "list")).split()[0] == header
    assert ok(cli("list", "--lang", "az")).split()[0] == header
    assert ok(cli("--lang", "AZ", "list")).split()[0] == header
    monkeypatch.setenv("AGREEMENTS_LANG", "az")
    assert ok(cli("list")).split()[0] == header
    # the command's own --lang, then the global one, win over the environment
    assert ok(cli("list", "--lang", "en")).split()[0] == "code"
    assert ok(cli("--lang", "en", "list")).split()[0] == "code"
    assert ok(cli("--lang", "en", "list", "--lang", "az")).split()[0] == header


def test_a_language_that_is_not_one_is_a_usage_error(cli, seeded):
    code, out, err = cli("--lang", "fr", "list")
    assert code == 2 and out == "" and "'fr' is not one of" in err
    code, out, err = cli("list", "--lang", "fr")
    assert code == 2 and out == "" and "fr" in err and "Traceback" not in err


@pytest.mark.parametrize("lang", LOCALES)
def test_show_aligns_its_labels(cli, seeded, lang):
    out = ok(cli("show", "RA-EU", "--lang", lang))
    head = out.split("\n\n")[0].splitlines()[2:]
    # where each value starts: right after its label's colon and the padding
    columns = {re.match(r"  [^:]+: +", line).end() for line in head}
    assert len(head) >= 5 and len(columns) == 1, out
