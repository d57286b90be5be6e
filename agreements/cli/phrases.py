"""The words of text output in the chosen language: holders, kinds, event
kinds, the day a stage began, and the labels of ``show``, from the message
catalogs (workflows.locales). The reads give structured fields; they are
phrased here, never by translating an English sentence."""

from __future__ import annotations

from typing import Any

from workflows.date_forms import shown
from workflows.locales import gettext_for, pgettext_for


def holder_text(name: str | None, lang: str) -> str:
    """Who holds the next move, in ``lang``; "-" for no one."""
    if not name:
        return "-"
    pgettext = pgettext_for(lang)
    words = {
        "us": pgettext("holder", "us"),
        "counterpart": pgettext("holder", "counterpart"),
        "mfa": pgettext("holder", "mfa"),
        "government": pgettext("holder", "government"),
    }
    return words.get(name, name)


def kind_text(kind: str | None, lang: str) -> str:
    """An agreement's kind in ``lang``."""
    if not kind:
        return ""
    pgettext = pgettext_for(lang)
    words = {
        "readmission": pgettext("kind", "readmission"),
        "implementing_protocol": pgettext("kind", "implementing protocol"),
        "amending_protocol": pgettext("kind", "amending protocol"),
        "migration_cooperation": pgettext("kind", "migration cooperation"),
        "labour_migration": pgettext("kind", "labour migration"),
        "inter_agency": pgettext("kind", "inter-agency"),
        "memorandum": pgettext("kind", "memorandum"),
        "joint_declaration": pgettext("kind", "joint declaration"),
        "other": pgettext("kind", "other"),
    }
    return words.get(kind, kind)


def event_kind_text(kind: str | None, lang: str) -> str:
    """An event's kind in ``lang``."""
    if not kind:
        return ""
    pgettext = pgettext_for(lang)
    words = {
        "opened": pgettext("event", "opened"),
        "stage_change": pgettext("event", "stage change"),
        "round": pgettext("event", "round"),
        "signature": pgettext("event", "signature"),
        "note": pgettext("event", "note"),
        "ack": pgettext("event", "acknowledged"),
        "flag": pgettext("event", "flag"),
        "plan": pgettext("event", "plan"),
        "correction": pgettext("event", "correction"),
        "retraction": pgettext("event", "retraction"),
        "void": pgettext("event", "void"),
        "act": pgettext("event", "act"),
        "entry_rule": pgettext("event", "entry rule"),
    }
    return words.get(kind, kind)


def stage_word(name: str | None, lang: str) -> str:
    """A stage in ``lang``: its name in English (as typed), its label in Azerbaijani."""
    from workflows.stages import stage_label

    if not name:
        return ""
    return stage_label(name, "az") if lang == "az" else name


def since_text(row: dict[str, Any], lang: str) -> str:
    """The day a row's stage began in ``lang``, with "possibly <stage>" when
    the history allows a later move by then; for a row with no certain
    stage, whether it possibly began or is not yet recorded."""
    _ = gettext_for(lang)
    if not row.get("stage"):
        if row.get("possibly"):
            return _("possibly {stage}").format(stage=stage_word(row["possibly"], lang))
        return _("not yet recorded")
    if not row.get("stage_since_precision"):
        return row.get("stage_since_label") or ""
    text = shown(row["stage_since"], row["stage_since_precision"], row.get("stage_since_earliest"), lang)
    if row.get("possibly"):
        text += "; " + _("possibly {stage}").format(stage=stage_word(row["possibly"], lang))
    return text


def count_line(shown_rows: int, uncertain: int, as_of: str | None, lang: str) -> str:
    """``list``'s last line: "N agreement(s)", as of a day, and how many are uncertain then."""
    _ = gettext_for(lang)
    line = _("{n} agreement(s)").format(n=shown_rows)
    if as_of:
        line += " " + _("as of {day}").format(day=as_of)
    if uncertain:
        line += "; " + _("{n} possibly begun or not yet recorded by then").format(n=uncertain)
    return line


def label(text: str, width: int) -> str:
    """A label of ``show`` padded to ``width`` display columns."""
    return f"{text + ':':<{width + 1}}"
