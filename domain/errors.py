"""Typed domain errors: each carries the error code of the one error model, and the rule when a rule refused."""

from __future__ import annotations

from typing import Any

from standards.codes import ErrorCode
from standards.identifiers import IdentifierError
from standards.interchange import InterchangeError
from standards.policy import MissingPolicyData


class DomainError(Exception):
    """A command was refused; nothing was written."""

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.rule = code, message, field, rule

    def as_answer(self) -> dict[str, str | None]:
        """The interchange error body `{"error", "message", "field", "rule"}`."""
        return {"error": self.code.value, "message": self.message, "field": self.field, "rule": self.rule}


class RuleViolation(DomainError):
    """A command-time risk rule (R0xx) refused the command."""

    def __init__(self, rule: str, message: str, *, field: str | None = None) -> None:
        super().__init__(ErrorCode.RULE_VIOLATION, message, field=field, rule=rule)


class UnknownPerson(DomainError):
    def __init__(self, citizen_id: str) -> None:
        super().__init__(ErrorCode.UNKNOWN_PERSON, "no person is enrolled with this citizen ID", field="citizen_id")
        self.citizen_id = citizen_id


def error_body(error: Exception) -> dict[str, Any] | None:
    """Any refusal as the interchange error body `{"error", "message", "field", "rule"}`; None if not a refusal."""
    if isinstance(error, DomainError):
        return error.as_answer()
    if isinstance(error, InterchangeError):
        return {"error": error.code.value, "message": error.message, "field": error.field, "rule": None}
    if isinstance(error, IdentifierError):
        return {"error": error.code.value, "message": str(error), "field": error.field or "citizen_id", "rule": None}
    if isinstance(error, MissingPolicyData):
        return {"error": "missing_policy_data", "message": str(error), "field": None, "rule": None}
    return None
