"""Errors of the application; all are domain errors shown as one line."""

from __future__ import annotations

from workflows.errors import BadDate, BadInput, DomainError, GuardRefused, IllegalMove

__all__ = [
    "AgreementExists",
    "AgreementNotFound",
    "BadDate",
    "BadInput",
    "DomainError",
    "GuardRefused",
    "IllegalMove",
    "ImportConflict",
    "NotInitialised",
    "StaleWrite",
]


class AgreementNotFound(DomainError):
    def __init__(self, code: str):
        super().__init__(f"no agreement with code {code!r}; see `agreements list`")
        self.code = code


class AgreementExists(DomainError):
    def __init__(self, code: str):
        super().__init__(f"an agreement with code {code!r} already exists")


class StaleWrite(DomainError):
    def __init__(self, code: str):
        super().__init__(f"{code} was changed meanwhile by someone else; try again")


class NotInitialised(DomainError):
    def __init__(self, where: str):
        super().__init__(f"the database at {where} is not initialised; run `agreements init`")


class ImportConflict(DomainError):
    """An import file that contradicts the stored, append-only history."""
