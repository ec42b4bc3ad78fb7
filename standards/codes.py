"""Code tables of the unified business standard (DOMAIN.md §1.3, §2, §11, §15.1; INTERCHANGE.md)."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

NATIONAL_UNIT = "00"

#: The 32 pooling units (统筹单位): 31 provincial-level divisions plus XPCC (66, a system convention).
POOLING_UNITS: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        "11": ("北京", "Beijing"),
        "12": ("天津", "Tianjin"),
        "13": ("河北", "Hebei"),
        "14": ("山西", "Shanxi"),
        "15": ("内蒙古", "Inner Mongolia"),
        "21": ("辽宁", "Liaoning"),
        "22": ("吉林", "Jilin"),
        "23": ("黑龙江", "Heilongjiang"),
        "31": ("上海", "Shanghai"),
        "32": ("江苏", "Jiangsu"),
        "33": ("浙江", "Zhejiang"),
        "34": ("安徽", "Anhui"),
        "35": ("福建", "Fujian"),
        "36": ("江西", "Jiangxi"),
        "37": ("山东", "Shandong"),
        "41": ("河南", "Henan"),
        "42": ("湖北", "Hubei"),
        "43": ("湖南", "Hunan"),
        "44": ("广东", "Guangdong"),
        "45": ("广西", "Guangxi"),
        "46": ("海南", "Hainan"),
        "50": ("重庆", "Chongqing"),
        "51": ("四川", "Sichuan"),
        "52": ("贵州", "Guizhou"),
        "53": ("云南", "Yunnan"),
        "54": ("西藏", "Tibet"),
        "61": ("陕西", "Shaanxi"),
        "62": ("甘肃", "Gansu"),
        "63": ("青海", "Qinghai"),
        "64": ("宁夏", "Ningxia"),
        "65": ("新疆", "Xinjiang"),
        "66": ("新疆生产建设兵团", "XPCC"),
    }
)

#: Units that may issue messages: the pooling units plus the ministry.
ISSUING_UNITS = frozenset(POOLING_UNITS) | {NATIONAL_UNIT}

#: ID prefixes that are valid regions but out of this system's scope (Taiwan, HK, Macao, permits; 9x).
UNSUPPORTED_ID_PREFIXES = frozenset({"71", "81", "82", "83", *(f"9{d}" for d in range(10))})

#: Province codes that may appear in a citizen ID (XPCC residents carry 65; 66 is never an ID prefix).
ID_PROVINCES = frozenset(code for code in POOLING_UNITS if code != "66")


def unit_name(code: str) -> str:
    """Chinese name of a pooling unit, or 全国 for the ministry."""
    if code == NATIONAL_UNIT:
        return "全国"
    return POOLING_UNITS[code][0]


class EventKind(StrEnum):
    """Events of a person's stream (DOMAIN.md §2.1)."""

    PERSON_REGISTERED = "PersonRegistered"
    ENROLLED = "Enrolled"
    EMPLOYER_CHANGED = "EmployerChanged"
    CONTRIBUTION_PAID = "ContributionPaid"
    BACK_PAYMENT_PAID = "BackPaymentPaid"
    CONTRIBUTION_SUSPENDED = "ContributionSuspended"
    TRANSFER_REQUESTED = "TransferRequested"
    TRANSFER_SENT = "TransferSent"
    TRANSFER_RECEIVED = "TransferReceived"
    TEMP_ACCOUNT_CONSOLIDATED = "TempAccountConsolidated"
    INTEREST_CREDITED = "InterestCredited"
    BENEFIT_DETERMINED = "BenefitDetermined"
    PENSION_PAID = "PensionPaid"
    BENEFIT_ADJUSTED = "BenefitAdjusted"
    QUALIFICATION_CERTIFIED = "QualificationCertified"
    DEATH_RECORDED = "DeathRecorded"
    OVERPAYMENT_IDENTIFIED = "OverpaymentIdentified"
    SURVIVOR_BENEFIT_PAID = "SurvivorBenefitPaid"
    ACCOUNT_INHERITED = "AccountInherited"
    OVERPAYMENT_RECOVERED = "OverpaymentRecovered"
    OPENING_BALANCE_RECORDED = "OpeningBalanceRecorded"
    REVERSED = "Reversed"


class PersonStatus(StrEnum):
    """参保状态 (DOMAIN.md §2.4), in the order the first applicable row wins."""

    TERMINATED = "terminated"
    DECEASED = "deceased"
    RETIRED = "retired"
    INTERRUPTED = "interrupted"
    SUSPENDED = "suspended"
    CONTRIBUTING = "contributing"
    NOT_ENROLLED = "not_enrolled"

    @property
    def reported(self) -> str:
        """The status as interchange v1 reports it (interrupted→suspended, terminated→deceased)."""
        return {"interrupted": "suspended", "terminated": "deceased"}.get(self.value, self.value)


class RiskRule(StrEnum):
    """Risk-control rules (风险管控, DOMAIN.md §11): R0xx at command time, R1xx after the fact."""

    R001 = "R001"
    R002 = "R002"
    R003 = "R003"
    R004 = "R004"
    R005 = "R005"
    R006 = "R006"
    R007 = "R007"
    R008 = "R008"
    R009 = "R009"
    R010 = "R010"
    R011 = "R011"
    R012 = "R012"
    R013 = "R013"
    R014 = "R014"
    R015 = "R015"
    R101 = "R101"
    R102 = "R102"
    R103 = "R103"
    R104 = "R104"
    R105 = "R105"
    R106 = "R106"


RISK_RULE_TITLES: MappingProxyType[str, str] = MappingProxyType(
    {
        "R001": "duplicate participation (重复参保)",
        "R002": "duplicate contribution (重复缴费)",
        "R003": "not insured in the sending unit",
        "R004": "after a recorded death",
        "R005": "after benefit determination",
        "R006": "base outside 60%-300%: clamped",
        "R007": "retirement below the legal age or outside the early/late window",
        "R008": "fewer than the minimum contribution months",
        "R009": "transfer while receiving a pension or deceased, or nothing to transfer",
        "R010": "payout for a month after the death month or before M + 1",
        "R011": "payout for a month already fully paid",
        "R012": "transfer requested by a temporary-account unit",
        "R013": "retirement from a unit other than the place of benefit",
        "R014": "correction not allowed",
        "R015": "date or period out of window",
        "R101": "death recorded after payouts for later months (冒领 risk)",
        "R102": "double receipt (重复领取)",
        "R103": "certification overdue",
        "R104": "contributions after the death month or after retirement",
        "R105": "transfer sent but not received within 45 days",
        "R106": "overpayment receivable open over 90 days",
    }
)

#: Rules that refuse the command (the others are flags or after-the-fact findings).
REJECT_RULES = frozenset(
    {"R001", "R002", "R003", "R004", "R005", "R007", "R008", "R009", "R012", "R013", "R014", "R015"}
)


class ErrorCode(StrEnum):
    """Error codes of the one error model, with their HTTP status (INTERCHANGE.md, DOMAIN.md §15.1)."""

    INVALID_FIELD = "invalid_field"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_CITIZEN_ID = "invalid_citizen_id"
    UNSUPPORTED_ID_REGION = "unsupported_id_region"
    INVALID_USCC = "invalid_uscc"
    CLOCK_BACKWARDS = "clock_backwards"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_TRANSFER = "unknown_transfer"
    UNKNOWN_SERIAL = "unknown_serial"
    RULE_VIOLATION = "rule_violation"
    SERIAL_REUSED = "serial_reused"
    RUN_EXISTS = "run_exists"
    RATE_MISMATCH = "rate_mismatch"
    RECOVERY_EXCEEDS_RECEIVABLE = "recovery_exceeds_receivable"
    TRANSFER_IN_TRANSIT = "transfer_in_transit"
    MISSING_POLICY_DATA = "missing_policy_data"
    CONFLICT = "conflict"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS[self]


_HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_FIELD: 422,
    ErrorCode.UNKNOWN_TYPE: 422,
    ErrorCode.INVALID_CITIZEN_ID: 422,
    ErrorCode.UNSUPPORTED_ID_REGION: 422,
    ErrorCode.INVALID_USCC: 422,
    ErrorCode.CLOCK_BACKWARDS: 422,
    ErrorCode.UNKNOWN_PERSON: 404,
    ErrorCode.UNKNOWN_TRANSFER: 404,
    ErrorCode.UNKNOWN_SERIAL: 404,
    ErrorCode.RULE_VIOLATION: 409,
    ErrorCode.SERIAL_REUSED: 409,
    ErrorCode.RUN_EXISTS: 409,
    ErrorCode.RATE_MISMATCH: 409,
    ErrorCode.RECOVERY_EXCEEDS_RECEIVABLE: 409,
    ErrorCode.TRANSFER_IN_TRANSIT: 409,
    ErrorCode.MISSING_POLICY_DATA: 424,
    ErrorCode.CONFLICT: 409,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.UNAVAILABLE: 503,
}


class MessageType(StrEnum):
    """Interchange v1 message types (INTERCHANGE.md)."""

    ENROLLMENT = "enrollment"
    CONTRIBUTION = "contribution"
    BACK_PAYMENT = "back_payment"
    SUSPENSION = "suspension"
    EMPLOYER_CHANGE = "employer_change"
    TRANSFER_REQUEST = "transfer_request"
    TRANSFER_SEND = "transfer_send"
    TRANSFER_RECEIVE = "transfer_receive"
    RETIREMENT = "retirement"
    CERTIFICATION = "certification"
    DEATH = "death"
    RECOVERY = "recovery"
    CORRECTION = "correction"
    INTEREST_RUN = "interest_run"
    PAYOUT_RUN = "payout_run"
    OPENING_BALANCE = "opening_balance"
    MIGRATED_BENEFIT = "migrated_benefit"
    ADJUSTMENT_RUN = "adjustment_run"


#: Chart of accounts (DOMAIN.md §10.2): account -> normal side.
ACCOUNTS: MappingProxyType[str, str] = MappingProxyType(
    {
        "bank": "Dr",
        "overpayment_receivable": "Dr",
        "ia_liability": "Cr",
        "temp_ia_liability": "Cr",
        "temp_pooled_liability": "Cr",
        "rev_employer": "Cr",
        "rev_flexible": "Cr",
        "rev_transfer_in": "Cr",
        "rev_adjustment_in": "Cr",
        "exp_basic": "Dr",
        "exp_transitional": "Dr",
        "exp_adjustment": "Dr",
        "exp_account_exhausted": "Dr",
        "exp_interest": "Dr",
        "exp_funeral": "Dr",
        "exp_survivor": "Dr",
        "exp_transfer_out": "Dr",
        "exp_adjustment_out": "Dr",
        "adj_collected": "Cr",
        "adj_allocated": "Dr",
    }
)
