"""One shape for everything a replay finds, so the report, the exit status and the HTTP reply read them alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Category = Literal["chain", "checkpoint", "view", "invariant", "replay"]
ERROR, INFO = "error", "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """A chain break, a checkpoint failure, a view discrepancy, a broken invariant, or information.

    The locating fields name the evidence: `stream` and `version` for a person's chain, `position` for a row of the
    log, `view`, `key` and `field` for a view row; `live` and `rebuilt` carry both sides of a discrepancy."""

    category: Category
    code: str
    message: str
    severity: str = ERROR
    stream: str | None = None
    version: int | None = None
    position: int | None = None
    view: str | None = None
    key: str | None = None
    field: str | None = None
    live: Any = None
    rebuilt: Any = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if value is not None}
