"""Small stories of DOMAIN.md as message lists, for the projection and CLI tests (simulated clock)."""

from __future__ import annotations

from typing import Any

from domain.application import PoolingApplication

USCC = "91350100M000100Y43"
GUANGDONG_MAN = "440306197901010037"  # DOMAIN §4.5 / §5.3
MS_LIN = "320583198207222647"  # DOMAIN §12.2


def at(day: str, hour: int = 2) -> str:
    return f"{day}T{hour:02d}:00:00Z"


def guangdong_man_moves_to_jiangsu() -> list[dict[str, Any]]:
    """§4.5 and §5.3: contributions in 44 2021-01..2023-06, runs for 2021 and 2022, transfer 44 → 32 in July 2023."""
    cid, messages = GUANGDONG_MAN, []
    messages.append(
        {
            "type": "enrollment",
            "serial": "e1",
            "unit": "44",
            "citizen_id": cid,
            "effective": "2021-01-01",
            "kind": "employee",
            "employer_uscc": USCC,
            "name": "王强",
            "hukou_unit": "44",
            "recorded_at": at("2021-01-04"),
        }
    )
    for year, base, months in ((2021, 500_000, 12), (2022, 550_000, 12), (2023, 600_000, 6)):
        for month in range(1, months + 1):
            messages.append(
                {
                    "type": "contribution",
                    "serial": f"c{year}{month:02d}",
                    "unit": "44",
                    "citizen_id": cid,
                    "period": f"{year}-{month:02d}",
                    "base_fen": base,
                    "recorded_at": at(f"{year}-{month:02d}-15"),
                }
            )
        if year < 2023:
            messages.append(
                {
                    "type": "interest_run",
                    "serial": f"i{year}",
                    "unit": "00",
                    "year": year,
                    "recorded_at": at(f"{year + 1}-01-10", 1),
                }
            )
    messages += [
        {
            "type": "suspension",
            "serial": "s1",
            "unit": "44",
            "citizen_id": cid,
            "effective": "2023-06-30",
            "reason": "left_employer",
            "recorded_at": at("2023-07-01"),
        },
        {
            "type": "enrollment",
            "serial": "j1",
            "unit": "32",
            "citizen_id": cid,
            "effective": "2023-07-03",
            "kind": "employee",
            "employer_uscc": USCC,
            "name": "王强",
            "hukou_unit": "44",
            "recorded_at": at("2023-07-03"),
        },
        {
            "type": "transfer_request",
            "serial": "r1",
            "unit": "32",
            "citizen_id": cid,
            "from_unit": "44",
            "recorded_at": at("2023-07-10"),
        },
        {
            "type": "transfer_send",
            "serial": "t1",
            "unit": "44",
            "citizen_id": cid,
            "request_serial": "r1",
            "recorded_at": at("2023-07-20"),
        },
        {
            "type": "transfer_receive",
            "serial": "v1",
            "unit": "32",
            "citizen_id": cid,
            "request_serial": "r1",
            "recorded_at": at("2023-08-02"),
        },
    ]
    return messages


def ms_lin_back_pays() -> list[dict[str, Any]]:
    """§12.2: flexible worker in 32 since 2020, misses 2023-03..05, back-pays them on 2024-02-10 at the 2023 floor."""
    cid, messages = MS_LIN, []
    messages.append(
        {
            "type": "enrollment",
            "serial": "lin-e",
            "unit": "32",
            "citizen_id": cid,
            "effective": "2020-01-01",
            "kind": "flexible",
            "name": "林芳",
            "hukou_unit": "32",
            "category": "worker",
            "recorded_at": at("2020-01-02"),
        }
    )
    for year in (2020, 2021, 2022, 2023, 2024):
        for month in range(1, 13):
            if year == 2023 and month in (3, 4, 5):
                continue
            if year == 2024 and month > 1:
                break
            messages.append(
                {
                    "type": "contribution",
                    "serial": f"lin-{year}{month:02d}",
                    "unit": "32",
                    "citizen_id": cid,
                    "period": f"{year}-{month:02d}",
                    "base_fen": 555_000 if year == 2023 else 600_000,
                    "recorded_at": at(f"{year}-{month:02d}-16"),
                }
            )
    for month in (3, 4, 5):
        messages.append(
            {
                "type": "back_payment",
                "serial": f"lin-b{month}",
                "unit": "32",
                "citizen_id": cid,
                "period": f"2023-{month:02d}",
                "base_fen": 555_000,
                "reason": "missed months",
                "paid_on": "2024-02-10",
                "recorded_at": at("2024-02-10", 3 + month),
            }
        )
    return messages


def combined() -> list[dict[str, Any]]:
    """Both stories interleaved in recorded order (the simulated clock never goes back)."""
    return sorted(guangdong_man_moves_to_jiangsu() + ms_lin_back_pays(), key=lambda m: m["recorded_at"])


def combined_application(env: dict[str, str]) -> PoolingApplication:
    """An application on the store of `env` with every message of `combined()` submitted."""
    application = PoolingApplication(env=env)
    for message in combined():
        application.submit(message)
    return application
