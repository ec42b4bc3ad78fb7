"""Typed domain errors: each carries the error code of the one error model, and the rule when a rule refused."""

from __future__ import annotations

from standards.codes import ErrorCode


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
