"""Domain errors: what went wrong, in words a user may read, never with family data."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request; `message` is safe to show to the user."""

    default_code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class NotAllowed(DomainError):
    """This person, in their roles, may not do this to this consultation."""

    default_code = "not_allowed"

    def __init__(self, message: str, *, code: str | None = None, person_id: str | None = None):
        super().__init__(message, code=code)
        self.person_id = person_id
        """The one person who may, when it is one (a caller that knows names may say who)."""


class WrongState(DomainError):
    """The consultation is not in a state where this can happen."""

    default_code = "wrong_state"


class InvalidRequest(DomainError):
    """The input breaks a rule (e.g. the checklist or the indicator rule)."""

    default_code = "invalid_request"


class AlreadyDone(DomainError):
    """The same person repeated something already done; callers treat it as a soft no-op."""

    default_code = "already_done"
