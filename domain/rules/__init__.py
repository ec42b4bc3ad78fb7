"""Pure pension rules: functions of values and policy parameters, no I/O (DOMAIN.md §3-§9)."""
