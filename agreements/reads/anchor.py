"""Roots: one hash over every agreement's chain as it stood at a moment, to
keep outside the database, and the checks that the present history extends
an anchor (a saved root, or an export whose events carry their hashes).

The root at a moment covers, for each agreement (in code order, by code
point), the longest beginning of its history recorded at or before that
moment (``recorded_at``, which each event's hash covers): the hash of that
beginning's last event stands for all of it. Those hashes are combined into
one sha256 over ``CODE<TAB>HASH<LF>`` lines; agreements with nothing recorded
by then are left out. A root is written as one line, ``ROOT_HEX@ISO_MOMENT``
(the moment with its UTC offset), which can be kept anywhere: a later root at
the same moment is the same unless history recorded up to then was changed,
removed or backdated into that time. (So is an event that a transaction
still running stamped before the moment and commits after it: a root is
best kept when no long import is under way.)
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from agreements.errors import BadInput
from agreements.store.database import Database
from agreements.store.tables import Agreement, Event

ROOT_LINE = re.compile(r"(?<![0-9a-f])([0-9a-f]{64})@(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d(?::\d\d)?))(?![\d:])")


@dataclass(frozen=True)
class Root:
    """A root hash and the moment it covers; when computed here, also how
    many agreements and events it covers (None when read from a line)."""

    hex: str
    moment: datetime
    agreements: int | None = None
    events: int | None = None

    @property
    def line(self) -> str:
        """The root as one line: ``ROOT_HEX@ISO_MOMENT``."""
        return f"{self.hex}@{self.moment.isoformat()}"

    def shown_in(self, zone: Any) -> Root:
        """The same root, its moment shown in ``zone`` (a tzinfo)."""
        return replace(self, moment=self.moment.astimezone(zone))


def parse_root(text: str) -> Root:
    """The root in ``text`` (a root line, or a line holding one, such as
    verify's own output or a digest's footer). Raises BadInput."""
    match = ROOT_LINE.search(text.strip())
    if match is None:
        raise BadInput(f"not a root line (ROOT_HEX@ISO_MOMENT, as `agreements verify` prints): {text.strip()[:80]!r}")
    try:
        moment = datetime.fromisoformat(match.group(2))
    except ValueError:
        raise BadInput(f"the moment of the root {match.group(0)[:20]}… is not a valid time") from None
    return Root(match.group(1), moment)


def code_order(session: Session) -> ColumnElement[str]:
    """Agreement codes in code-point order on either backend (PostgreSQL's
    default collation would order them by its locale)."""
    if session.get_bind().dialect.name == "postgresql":
        return Agreement.code.collate("C")
    return Agreement.code.collate("BINARY")


class RootBuilder:
    """Accumulates a root, one agreement's history at a time, in code order.

    ``moment`` None covers every event: the root of the history as it is,
    whose moment is then the latest recording time seen.
    """

    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment
        self._digest = hashlib.sha256()
        self.agreements = 0
        self.events = 0
        self.latest: datetime | None = None

    def add(self, code: str, recorded: Sequence[datetime], hashes: Sequence[str | None]) -> None:
        """One agreement's history: its recording times and hashes in seq order."""
        self.add_prefixes(code, running_latest(recorded), hashes)

    def add_prefixes(self, code: str, latest: Sequence[datetime], hashes: Sequence[str | None]) -> None:
        """As :meth:`add`, given the running maximum of the recording times
        (shared when several roots are built over the same pass)."""
        end = len(latest) if self.moment is None else bisect_right(latest, self.moment)
        if end == 0:
            return
        self._digest.update(f"{code}\t{hashes[end - 1] or ''}\n".encode())
        self.agreements += 1
        self.events += end
        if self.latest is None or latest[end - 1] > self.latest:
            self.latest = latest[end - 1]

    def root(self) -> Root | None:
        """The root (None when nothing was recorded by the moment, or at all)."""
        moment = self.moment if self.moment is not None else self.latest
        if moment is None:
            return None
        return Root(self._digest.hexdigest(), moment, self.agreements, self.events)


def running_latest(recorded: Sequence[datetime]) -> list[datetime]:
    """The latest recording time of each beginning of a history."""
    latest: list[datetime] = []
    for moment in recorded:
        latest.append(moment if not latest or moment > latest[-1] else latest[-1])
    return latest


def root_at(session: Session, moment: datetime) -> Root:
    """The root of every chain as recorded at or before ``moment`` (aware).

    One query picks each agreement's last event before the first one
    recorded after ``moment``: the beginning :class:`RootBuilder` takes from
    a stream of the events, ten times quicker than streaming them all. With
    nothing recorded by then it is the hash of no lines.
    """
    if moment.tzinfo is None:
        raise BadInput("a root's moment needs a UTC offset")
    later, every = aliased(Event), aliased(Event)
    first_later = select(func.min(later.seq)).where(later.agreement_id == Agreement.id, later.recorded_at > moment)
    last = select(func.max(every.seq)).where(every.agreement_id == Agreement.id)
    end = func.coalesce(first_later.scalar_subquery() - 1, last.scalar_subquery())
    heads = select(Agreement.code, Event.hash, Event.seq).join(
        Event, and_(Event.agreement_id == Agreement.id, Event.seq == end)
    )
    digest, agreements, events = hashlib.sha256(), 0, 0
    for code, head, seq in session.execute(heads.order_by(code_order(session))):
        digest.update(f"{code}\t{head or ''}\n".encode())
        agreements += 1
        events += seq
    return Root(digest.hexdigest(), moment, agreements, events)


def root_line(db: Database, moment: datetime) -> str:
    """The root line (``ROOT_HEX@ISO_MOMENT``) of ``db``'s history as recorded
    at or before ``moment`` (aware; the line shows it in its own offset)."""
    with db.snapshot() as session:
        return root_at(session, moment).line


def mismatch(label: str, anchor: Root, present: Root | None) -> str | None:
    """Why the present root at the anchor's moment is not the anchor's, if it is not."""
    found = present.hex if present is not None else hashlib.sha256().hexdigest()
    if found == anchor.hex:
        return None
    return (
        f"the history recorded up to {anchor.moment.isoformat()} was changed since {label} was kept "
        f"(its root at that moment is now {found[:16]}…, the anchor's is {anchor.hex[:16]}…)"
    )


def check_export(db: Database, chains: Iterable[tuple[str, list[str | None]]]) -> tuple[str | None, int]:
    """The first exported event (``chains``: each exported agreement's code
    and its events' hashes, as :func:`agreements.reads.anchor_files.exported_chains`
    streams them) that the stored history does not hold as exported (None:
    the history extends the export), and how many exported events were compared."""
    with db.snapshot() as session:
        return export_difference(session, chains)


def export_difference(session: Session, chains: Iterable[tuple[str, list[str | None]]]) -> tuple[str | None, int]:
    """The first exported event whose hash is not the stored event's at the
    same place (code, seq), and how many exported events were compared.
    Events stored after the export extend it."""
    compared = 0
    for code, hashes in chains:
        stored = dict(
            session.execute(
                select(Event.seq, Event.hash)
                .join(Agreement, Agreement.id == Event.agreement_id)
                .where(Agreement.code == code)
            ).all()
        )
        if hashes and not stored:
            return f"{code}: in the anchor, not in the database", compared
        for seq, exported in enumerate(hashes, 1):
            if exported is None:
                return f"{code}: event {seq} of the anchor carries no hash", compared
            if seq not in stored:
                return f"{code}: event {seq} of the anchor is missing", compared
            if stored[seq] != exported:
                return f"{code}: event {seq} differs from the anchor", compared
            compared += 1
    return None, compared
