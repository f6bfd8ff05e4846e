"""``sohoa serve``: the web desk for staff, clerks and managers, and its JSON API."""

from __future__ import annotations

import click

from sohoa.commands.base import Context, common_options, pass_ctx
from sohoa.i18n import _


@click.command("serve")
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--https-cookies/--no-https-cookies",
    default=None,
    help="Mark the session cookie Secure (default: on when SOHOA_HTTPS=1, e.g. behind a TLS proxy).",
)
@pass_ctx
def serve(ctx: Context, host: str, port: int, https_cookies: bool | None) -> None:
    """Run the web desk (Vietnamese, server-rendered) and its JSON API."""
    import os

    import uvicorn

    from sohoa.web import create_app

    secure = https_cookies if https_cookies is not None else os.environ.get("SOHOA_HTTPS") == "1"
    application = create_app(ctx.archive, https_only=secure)
    click.echo(f"sohoa desk: http://{host}:{port}/ (" + _("Ctrl-C để dừng") + ")", err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=True)
