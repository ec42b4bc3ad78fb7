"""The unified business standard (统一业务标准): identifiers, code tables, policy data, interchange schemas.

Imports nothing of the project; everything else builds on it."""
