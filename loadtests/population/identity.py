"""Who the synthetic persons are: names, citizen IDs and employers (valid GB 11643 / GB 32100 codes).

Everything here is a pure function of its arguments (and of the caller's `random.Random`), so the same seed
always yields the same people."""

from __future__ import annotations

import random
from datetime import date
from functools import cache

from standards.identifiers import make_citizen_id, make_uscc

# Common surnames and given-name characters; no claim about their real frequencies.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
MALE_GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健凯浩宇俊峰建国志海林"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀玲燕红丹萍婷雪琳慧颖洁梅兰晶倩莉月"

#: Sequence codes per (province, birth date, address code): 500 persons of each sex.
_PER_ADDRESS = 500
#: Address codes (city 01-99, county 01-99) used below the province: 9,801.
_ADDRESSES = 99 * 99
#: The generator gives every person a distinct citizen ID up to this many persons.
MAX_PERSONS = _PER_ADDRESS * _ADDRESSES


def person_name(rng: random.Random, sex: str) -> str:
    """A surname and one or two given-name characters (two for about 70 % of persons)."""
    given = MALE_GIVEN if sex == "male" else FEMALE_GIVEN
    name = rng.choice(SURNAMES) + rng.choice(given)
    if rng.random() < 0.7:
        name += rng.choice(given)
    return name


def citizen_id(index: int, province: str, birth: date, sex: str) -> str:
    """A valid, unique citizen ID for person `index`: the index picks the address code and sequence code.

    The sequence code's last digit is odd for men and even for women (GB 11643), so two persons can only
    share an ID if they share the index; `province` is where the number was issued, not the hukou."""
    if not 0 <= index < MAX_PERSONS:
        raise ValueError(f"at most {MAX_PERSONS} persons get distinct citizen IDs, got index {index}")
    address, slot = divmod(index, _PER_ADDRESS)
    city, county = divmod(address, 99)
    sequence = slot * 2 + (1 if sex == "male" else 0)
    return make_citizen_id(province, birth, sequence, county=f"{city + 1:02d}{county + 1:02d}")


def id_province(unit: str) -> str:
    """The ID prefix a person registered in `unit` usually carries: XPCC (66) residents carry Xinjiang's 65."""
    return "65" if unit == "66" else unit


@cache
def employer_uscc(unit: str, number: int) -> str:
    """The USCC of employer `number` registered in `unit` (an enterprise registered by market regulation)."""
    division = "659001" if unit == "66" else f"{unit}0100"
    return make_uscc(division, number + 1)
