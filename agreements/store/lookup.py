"""Finding one agreement's row by its code: the lookup both the write path and
the reads start from."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.errors import AgreementNotFound
from agreements.store.tables import Agreement
from workflows.inputs import normalise_code


def load(session: Session, code: str) -> Agreement:
    """The agreement with that code (normalised first), or AgreementNotFound."""
    code = normalise_code(code)
    agreement = session.scalar(select(Agreement).where(Agreement.code == code))
    if agreement is None:
        raise AgreementNotFound(code)
    return agreement
