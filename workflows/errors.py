"""Domain errors: each carries a message fit to show a legal officer as is."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse. The command line prints it and exits with 1."""


class IllegalMove(DomainError):
    """A move the lifecycle does not allow from the current stage."""


class GuardRefused(IllegalMove):
    """A move the lifecycle allows in general but whose condition is not met."""


class BadDate(DomainError):
    """A date the chronology refuses: in the future, or before what it must follow."""


class BadInput(DomainError):
    """A value the domain cannot take (unknown kind, bad party code...)."""
