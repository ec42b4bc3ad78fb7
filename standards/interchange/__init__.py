"""Interchange standard v1 (部省数据交换规范): the messages a unit sends, and the answers it gets back.

Strict pydantic models of INTERCHANGE.md; `parse_message` is the one entry point for incoming bodies.
"""

from __future__ import annotations

from standards.interchange.answers import (
    Applied,
    BenefitModel,
    DossierEvent,
    DossierModel,
    ErrorAnswer,
    LedgerModel,
)
from standards.interchange.base import AnyUnitPersonMessage, MessageBase, PersonMessage
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
from standards.interchange.fields import MAX_FEN
from standards.interchange.parsing import (
    MESSAGE_ADAPTER,
    MESSAGE_MODELS,
    AnyMessage,
    InterchangeError,
    Message,
    canonical_body,
    parse_message,
)
from standards.interchange.runs import AdjustmentRunMessage, InterestRunMessage, PayoutRunMessage
from standards.interchange.schemas import json_schemas, render

__all__ = [
    "MAX_FEN",
    "MESSAGE_ADAPTER",
    "MESSAGE_MODELS",
    "AdjustmentRunMessage",
    "AnyMessage",
    "AnyUnitPersonMessage",
    "Applied",
    "BackPaymentMessage",
    "BenefitModel",
    "CertificationMessage",
    "ContributionMessage",
    "CorrectionMessage",
    "DeathMessage",
    "DossierEvent",
    "DossierModel",
    "EmployerChangeMessage",
    "EnrollmentMessage",
    "ErrorAnswer",
    "InterchangeError",
    "InterestRunMessage",
    "LedgerModel",
    "Message",
    "MessageBase",
    "MigratedBenefitMessage",
    "OpeningBalanceMessage",
    "PayoutRunMessage",
    "PersonMessage",
    "RecoveryMessage",
    "RetirementMessage",
    "SuspensionMessage",
    "TransferReceiveMessage",
    "TransferRequestMessage",
    "TransferSendMessage",
    "canonical_body",
    "json_schemas",
    "parse_message",
    "render",
]
