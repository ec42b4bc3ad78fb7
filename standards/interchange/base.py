"""The fields every interchange message shares, and the three kinds of sender."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from standards.interchange.fields import CitizenIdText, IssuingUnit, PoolingUnit, Serial, Timestamp


class MessageBase(BaseModel):
    """Common fields: `serial` and `unit` identify the command; `recorded_at` drives a simulated clock."""

    # strict: no silent coercion ("100" → 100, 1.0 → 1); frozen: a received message is a fact.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    # Declared here so that `type` comes first; each message narrows it to its Literal (the discriminator).
    type: str
    serial: Serial = Field(description="业务流水号, unique per issuing unit")
    unit: IssuingUnit = Field(description="the issuing unit")
    recorded_at: Timestamp | None = Field(
        default=None, description="recorded time (UTC); required by a simulated store, ignored by a live one"
    )


class PersonMessage(MessageBase):
    """A message about one insured person, sent by a pooling unit."""

    unit: PoolingUnit = Field(description="the issuing pooling unit")
    citizen_id: CitizenIdText = Field(description="GB 11643 citizen ID; a lower-case x is normalized to X")


class AnyUnitPersonMessage(MessageBase):
    """A message about one person that any issuing unit, the ministry included, may send."""

    citizen_id: CitizenIdText = Field(description="GB 11643 citizen ID; a lower-case x is normalized to X")
