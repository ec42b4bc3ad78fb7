"""Citizen IDs never reach a log line whole: the first 6 and last 2 characters are kept (地址码 and check)."""

from __future__ import annotations

import logging
import re

# 17 digits and a digit or X, not inside a longer token (a USCC or a hash is left alone).
_CITIZEN_ID = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})[0-9]{10}([0-9][0-9Xx])(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """`440306197901010037` → `440306**********37`."""
    return _CITIZEN_ID.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", text)


_TRACEBACKS = logging.Formatter()


class MaskCitizenIds(logging.Filter):
    """A logging filter that masks citizen IDs in the formatted message (uvicorn's access log included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Masked in place, argument by argument: uvicorn's access formatter unpacks `record.args` itself.
        if isinstance(record.msg, str):
            record.msg = mask_ids(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_ids(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: mask_ids(arg) if isinstance(arg, str) else arg for key, arg in record.args.items()}
        # A traceback repeats the exception's message: format it once here, masked (formatters reuse exc_text).
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_ids(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_ids(record.stack_info)
        return True


#: Loggers whose lines may carry a citizen ID: request paths, errors, jobs.
MASKED_LOGGERS = ("uvicorn.access", "uvicorn.error", "pooling", "pooling.api", "pooling.jobs")


def install_masking() -> None:
    """Attach the filter to every logger that may print an ID (once per logger)."""
    for name in MASKED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, MaskCitizenIds) for existing in logger.filters):
            logger.addFilter(MaskCitizenIds())
