"""Citizen IDs never reach a log line whole: the first 6 and last 2 characters are kept (地址码 and check).

Names and bearer tokens do not reach a log line either: a `name` value written as JSON, a Python dict or a
keyword (`"name": "王强"`, `'name': '王强'`, `name='王强'`, as error messages and reprs write them) keeps its first
character (`王*`), and anything shaped like a JWT, or following `Bearer`, becomes `[token]`."""

from __future__ import annotations

import logging
import re

# 17 digits and a digit or X, not inside a longer token (a USCC or a hash is left alone).
_CITIZEN_ID = re.compile(r"(?<![0-9A-Za-z])([0-9]{6})[0-9]{10}([0-9][0-9Xx])(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """`440306197901010037` → `440306**********37`."""
    return _CITIZEN_ID.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", text)


# A `name` key (JSON or a Python repr) or keyword, then its quoted value; `employer_name` and the like too.
_NAME = re.compile(r"""((?:["'](?:\w+_)?name["']\s*:\s*|\b(?:\w+_)?name=)(["']))((?:(?!\2)[^\\\n])*)(\2)""")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',]+")


def _mask_name(match: re.Match[str]) -> str:
    value = match.group(3)
    return f"{match.group(1)}{value[:1]}{'*' * max(1, len(value) - 1)}{match.group(4)}" if value else match.group(0)


# What each pattern above needs to match at all: most log text (an access line's client, method, path, status)
# has none of it, and one search is cheaper than four substitutions (the access log took ~14 % of a dossier
# read's CPU in the server, py-spy, session 9).
_ANY_PERSONAL = re.compile(r"eyJ|(?i:bearer)|name|[0-9]{17}")


def mask_personal(text: str) -> str:
    """Everything a log line must not carry whole: tokens, names and citizen IDs."""
    return text if _ANY_PERSONAL.search(text) is None else mask_every_pattern(text)


def mask_every_pattern(text: str) -> str:
    """`mask_personal` without its shortcut: every substitution tried."""
    text = _BEARER.sub(lambda m: f"{m.group(1)}[token]", _JWT.sub("[token]", text))
    return mask_ids(_NAME.sub(_mask_name, text))


_TRACEBACKS = logging.Formatter()


class MaskCitizenIds(logging.Filter):
    """A logging filter that masks citizen IDs, names and tokens (`mask_personal`) in the formatted message
    (uvicorn's access log included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Masked in place, argument by argument: uvicorn's access formatter unpacks `record.args` itself.
        if isinstance(record.msg, str):
            record.msg = mask_personal(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _masked(arg) for key, arg in record.args.items()}
        # A traceback repeats the exception's message: format it once here, masked (formatters reuse exc_text).
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_personal(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_personal(record.stack_info)
        return True


def _masked(arg: object) -> object:
    # A dict or an exception passed as an argument is formatted with %s later: mask its text now.
    if isinstance(arg, str):
        return mask_personal(arg)
    if isinstance(arg, dict | list | tuple | BaseException):
        return mask_personal(str(arg))
    return arg


#: Loggers whose lines may carry a citizen ID: request paths, errors, jobs.
MASKED_LOGGERS = ("uvicorn.access", "uvicorn.error", "pooling", "pooling.api", "pooling.jobs")


def install_masking() -> None:
    """Attach the filter to every logger that may print an ID (once per logger)."""
    for name in MASKED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, MaskCitizenIds) for existing in logger.filters):
            logger.addFilter(MaskCitizenIds())
