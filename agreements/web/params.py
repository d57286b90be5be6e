"""The query parameters of the pages, checked: a bad date, stage, kind or
counterpart is a 400 page that says what is wrong, in the page's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from werkzeug.exceptions import BadRequest

from agreements.web.i18n import Words
from workflows.errors import BadInput
from workflows.inputs import normalise_party
from workflows.stages import HOLDERS, KINDS, STAGE_NAMES

NO_HOLDER = "none"
AWAITING_CHOICES = (*HOLDERS, NO_HOLDER)
SORTS = ("code", "kind", "parties", "stage", "since", "awaiting")
ORDERS = ("asc", "desc")
PAGE_SIZE = 100


def refuse(message: str) -> BadRequest:
    """A 400 whose page shows ``message``."""
    return BadRequest(description=message)


def text(args: Mapping[str, str], name: str) -> str | None:
    """A parameter's value, stripped; None when absent or blank."""
    value = args.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def choice(args: Mapping[str, str], name: str, choices: Sequence[str], field: str, w: Words) -> str | None:
    value = text(args, name)
    if value is not None and value not in choices:
        raise refuse(w("bad_choice", value=value, field=field, choices=", ".join(choices)))
    return value


def day(args: Mapping[str, str], name: str, w: Words) -> date | None:
    value = text(args, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise refuse(w("bad_date", value=value)) from None


def flag(args: Mapping[str, str], name: str) -> bool:
    return text(args, name) not in (None, "0", "no", "false")


def party(args: Mapping[str, str], name: str, w: Words) -> str | None:
    value = text(args, name)
    if value is None:
        return None
    try:
        return normalise_party(value)
    except BadInput:
        raise refuse(w("bad_party", value=value)) from None


def number(args: Mapping[str, str], name: str, w: Words, default: int = 1) -> int:
    value = text(args, name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise refuse(w("bad_choice", value=value, field=name, choices="1, 2, 3…"))
    return int(value)


@dataclass(frozen=True)
class ListQuery:
    """What the agreements list was asked for."""

    stage: str | None = None
    party: str | None = None
    kind: str | None = None
    awaiting: str | None = None
    stalled: bool = False
    as_of: date | None = None
    sort: str = "code"
    order: str = "asc"
    page: int = 1

    @classmethod
    def read(cls, args: Mapping[str, str], w: Words) -> ListQuery:
        return cls(
            stage=choice(args, "stage", STAGE_NAMES, w("filter_stage"), w),
            party=party(args, "party", w),
            kind=choice(args, "kind", KINDS, w("filter_kind"), w),
            awaiting=choice(args, "awaiting", AWAITING_CHOICES, w("filter_awaiting"), w),
            stalled=flag(args, "stalled"),
            as_of=day(args, "as_of", w),
            sort=choice(args, "sort", SORTS, "sort", w) or "code",
            order=choice(args, "order", ORDERS, "order", w) or "asc",
            page=number(args, "page", w),
        )

    @property
    def filtered(self) -> bool:
        return any((self.stage, self.party, self.kind, self.awaiting, self.stalled, self.as_of))
