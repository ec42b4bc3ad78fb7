"""The argument guards every rule function shares: money is int fen, rates are exact, counts are whole."""

from __future__ import annotations

from fractions import Fraction


def fen(name: str, value: int) -> int:
    """A non-negative amount in integer fen (never a float, never a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int amount in fen, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value} fen")
    return value


def rate(name: str, value: Fraction) -> Fraction:
    """A non-negative exact rate or ratio (Fraction or int; never a float)."""
    if type(value) is Fraction:  # the common case: Fractions are immutable, so the value itself is returned
        if value.numerator < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, Fraction | int):
        raise TypeError(f"{name} must be an exact Fraction, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return Fraction(value)


def count(name: str, value: int, *, positive: bool = False) -> int:
    """A whole number of months or persons, non-negative (or positive)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'non-negative'}, got {value}")
    return value
