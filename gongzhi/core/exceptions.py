"""Domain errors: raised by services, turned into JSON (API) or form errors (pages).

Each carries a message in the user's language that says what is wrong and how to fix it.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the request. Maps to HTTP 400 unless a subclass says otherwise."""

    status_code = 400
    code = "domain_error"

    def __init__(self, message: Any, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            data["fields"] = {self.field: [str(self.message)]}
        return data


class InvalidTransition(DomainError):
    status_code = 409
    code = "invalid_transition"


class Forbidden(DomainError):
    """The actor's role does not allow this here (a role problem, not a data problem)."""

    status_code = 403
    code = "permission_denied"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class ImportRejected(DomainError):
    """A whole import file was refused; ``problems`` names each row, column and what is wrong."""

    status_code = 422
    code = "import_rejected"

    def __init__(self, message: Any, *, problems: list[dict[str, Any]]):
        super().__init__(message)
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["problems"] = [{**p, "message": str(p["message"])} for p in self.problems]
        return data
