"""`pooling token issue`: mint a bearer token for the API (signed with the key in POOLING_TOKEN_KEY_FILE)."""

from __future__ import annotations

from datetime import timedelta

import typer

from api.auth import Role, issue_token, load_key
from api.cli.common import fail
from api.errors import ApiError
from api.settings import ApiSettings

app = typer.Typer(no_args_is_help=True, help="Bearer tokens for the HTTP API and the web console.")


@app.command("issue")
def issue(
    role: Role = typer.Option(..., "--role", help="province, ministry, auditor or citizen."),
    unit: str = typer.Option(None, "--unit", help="The pooling-unit code of a province operator."),
    citizen_id: str = typer.Option(None, "--citizen-id", help="The citizen ID of a citizen token."),
    ttl_hours: int = typer.Option(
        None, "--ttl-hours", min=1, help="Lifetime in hours (default POOLING_TOKEN_TTL_HOURS, 8)."
    ),
    subject: str = typer.Option(None, "--subject", help="Who holds it (recorded in issued_by); default the token id."),
) -> None:
    """Print a signed token (just the token, for `Authorization: Bearer …` or the console's token field)."""
    settings = ApiSettings()
    hours = ttl_hours or settings.token_ttl_hours
    try:
        key = load_key(settings.token_key_file)
        token = issue_token(
            key,
            role,
            unit=unit,
            citizen_id=citizen_id.upper() if citizen_id else None,
            ttl=timedelta(hours=hours),
            subject=subject,
        )
    except ApiError as error:
        fail(f"invalid: {error.message.removeprefix('invalid token: ')}")
    except (OSError, ValueError) as error:
        fail(f"cannot use the token key {settings.token_key_file}: {error}")
    typer.echo(token)
