"""The filters the reads share (stage, kind of agreement, counterpart): checked
first, then turned into SQL conditions on the agreements table ``a``."""

from __future__ import annotations

from typing import Any

from agreements.errors import BadInput
from workflows.inputs import normalise_party
from workflows.stages import KINDS, STAGE_NAMES


def check_stage(stage: str | None) -> None:
    """Refuse a stage name the lifecycle does not have."""
    if stage is not None and stage not in STAGE_NAMES:
        raise BadInput(f"unknown stage {stage!r}; one of: {', '.join(STAGE_NAMES)}")


def check_kind(kind: str | None) -> None:
    """Refuse an unknown kind of agreement."""
    if kind is not None and kind not in KINDS:
        raise BadInput(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")


def agreement_filters(
    *, kind: str | None = None, party: str | None = None, stage: str | None = None, voided: bool = False
) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on the agreements table ``a`` (and their parameters)
    for the filters given, checked first. Agreements voided as entered by
    mistake are left out unless ``voided``."""
    check_stage(stage)
    check_kind(kind)
    where: list[str] = [] if voided else ["NOT a.voided"]
    params: dict[str, Any] = {}
    if stage:
        where.append("a.stage = :stage")
        params["stage"] = stage
    if kind:
        where.append("a.kind = :kind")
        params["kind"] = kind
    if party:
        where.append("a.id IN (SELECT p.agreement_id FROM agreement_parties p WHERE p.party = :party)")
        params["party"] = normalise_party(party)
    return where, params
