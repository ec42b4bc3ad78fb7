"""Command handlers: each checks DOMAIN.md's rules in the order of §15.1, then records events on a Person."""
