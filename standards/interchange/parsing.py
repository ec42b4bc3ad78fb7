"""The message union, parsing with the one interchange error, and the canonical body of a message."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Final

import orjson
from pydantic import Field, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from standards.codes import ErrorCode, MessageType
from standards.interchange.answers import ErrorAnswer
from standards.interchange.base import MessageBase
from standards.interchange.benefits import (
    CertificationMessage,
    CorrectionMessage,
    DeathMessage,
    MigratedBenefitMessage,
    OpeningBalanceMessage,
    RecoveryMessage,
    RetirementMessage,
)
from standards.interchange.contributions import (
    BackPaymentMessage,
    ContributionMessage,
    EmployerChangeMessage,
    EnrollmentMessage,
    SuspensionMessage,
    TransferReceiveMessage,
    TransferRequestMessage,
    TransferSendMessage,
)
from standards.interchange.runs import AdjustmentRunMessage, InterestRunMessage, PayoutRunMessage

AnyMessage = (
    EnrollmentMessage
    | ContributionMessage
    | BackPaymentMessage
    | SuspensionMessage
    | EmployerChangeMessage
    | TransferRequestMessage
    | TransferSendMessage
    | TransferReceiveMessage
    | RetirementMessage
    | CertificationMessage
    | DeathMessage
    | RecoveryMessage
    | CorrectionMessage
    | InterestRunMessage
    | PayoutRunMessage
    | OpeningBalanceMessage
    | MigratedBenefitMessage
    | AdjustmentRunMessage
)
Message = Annotated[AnyMessage, Field(discriminator="type")]
"""Any interchange v1 message, discriminated by `type`."""

MESSAGE_ADAPTER: Final[TypeAdapter[AnyMessage]] = TypeAdapter(Message)

#: The model of each message type, in the order of INTERCHANGE.md's table.
MESSAGE_MODELS: Final[Mapping[MessageType, type[MessageBase]]] = MappingProxyType(
    {
        MessageType.ENROLLMENT: EnrollmentMessage,
        MessageType.CONTRIBUTION: ContributionMessage,
        MessageType.BACK_PAYMENT: BackPaymentMessage,
        MessageType.SUSPENSION: SuspensionMessage,
        MessageType.EMPLOYER_CHANGE: EmployerChangeMessage,
        MessageType.TRANSFER_REQUEST: TransferRequestMessage,
        MessageType.TRANSFER_SEND: TransferSendMessage,
        MessageType.TRANSFER_RECEIVE: TransferReceiveMessage,
        MessageType.RETIREMENT: RetirementMessage,
        MessageType.CERTIFICATION: CertificationMessage,
        MessageType.DEATH: DeathMessage,
        MessageType.RECOVERY: RecoveryMessage,
        MessageType.CORRECTION: CorrectionMessage,
        MessageType.INTEREST_RUN: InterestRunMessage,
        MessageType.PAYOUT_RUN: PayoutRunMessage,
        MessageType.OPENING_BALANCE: OpeningBalanceMessage,
        MessageType.MIGRATED_BENEFIT: MigratedBenefitMessage,
        MessageType.ADJUSTMENT_RUN: AdjustmentRunMessage,
    }
)

# A badly formed identifier is the identifier's own error (DOMAIN.md §1.1-§1.2: a 15-digit ID is
# invalid_citizen_id), not a generic invalid_field; the check characters are verified later.
_IDENTIFIER_CODES: Final = {"citizen_id": ErrorCode.INVALID_CITIZEN_ID, "employer_uscc": ErrorCode.INVALID_USCC}


class InterchangeError(ValueError):
    """A message refused by the schema: `code`, the dotted path of the first bad `field`, a one-line `message`."""

    def __init__(self, code: ErrorCode, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message

    def answer(self) -> ErrorAnswer:
        """The error as the interchange answer body."""
        return ErrorAnswer(error=self.code, message=self.message, field=self.field, rule=None)


def parse_message(data: Mapping[str, Any] | bytes | bytearray | str) -> Message:
    """Validate one message (a mapping, or JSON text or bytes); raise InterchangeError on the first fault."""
    if isinstance(data, bytes | bytearray | str):
        raw = data
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # orjson also refuses nesting deeper than 1024 levels here, so deep input cannot crash us.
            reason = str(exc).splitlines()[0] if str(exc) else "not JSON"
            raise InterchangeError(ErrorCode.INVALID_FIELD, None, f"malformed JSON: {reason}") from None
        # orjson keeps the last of repeated keys; a proxy or a province system may read the first, so the two
        # would disagree about the command: a repeated key is refused (only text input can carry one).
        json.loads(raw, object_pairs_hook=_refuse_repeated_keys)
    if not isinstance(data, Mapping):
        raise InterchangeError(ErrorCode.INVALID_FIELD, None, "a message must be a JSON object")
    try:
        return MESSAGE_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise _interchange_error(exc.errors(include_url=False, include_input=False)[0], data) from None


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise InterchangeError(ErrorCode.INVALID_FIELD, key, f"{key}: given more than once")
        seen.add(key)
    return dict(pairs)


def canonical_body(message: MessageBase) -> bytes:
    """UTF-8 JSON of the message, keys sorted, no spaces, defaults applied, without `recorded_at`.

    Two sends of the same (unit, serial) are the same command exactly when their canonical bodies are equal.
    """
    body = message.model_dump(mode="json", exclude={"recorded_at"})
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def _interchange_error(error: ErrorDetails, data: Mapping[str, Any]) -> InterchangeError:
    kind = error["type"]
    if kind in {"union_tag_not_found", "union_tag_invalid"}:
        sent = data.get("type")
        if sent is None:
            return InterchangeError(ErrorCode.UNKNOWN_TYPE, "type", "type: missing; it names the message")
        if not isinstance(sent, str):
            return InterchangeError(ErrorCode.UNKNOWN_TYPE, "type", "type: must be a string naming the message")
        return InterchangeError(ErrorCode.UNKNOWN_TYPE, "type", f"type: unknown message type {sent[:40]!r}")
    # The first location item is the union's tag (the message type); the rest is the field's path.
    path = ".".join(str(part) for part in error["loc"][1:]) or None
    text = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        text = "unknown field"
    elif kind == "missing":
        text = "required field missing"
    code = ErrorCode.INVALID_FIELD
    if kind == "string_pattern_mismatch" and path in _IDENTIFIER_CODES:
        code = _IDENTIFIER_CODES[path]
        text = "badly formed (18 characters expected)"
    one_line = " ".join(text.split())
    return InterchangeError(code, path, f"{path}: {one_line}" if path else one_line)
