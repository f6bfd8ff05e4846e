"""``sohoa serve``: the web desk for staff, clerks and managers, and its JSON API."""

from __future__ import annotations

import click

from sohoa.commands.base import Context, command, common_options, option, pass_ctx
from sohoa.i18n import N_, _


@command("serve", help=N_("Chạy bàn làm việc trên web (tiếng Việt, dựng trên máy chủ) và API JSON của nó."))
@common_options
@option("--host", default="127.0.0.1", show_default=True, help=N_("Địa chỉ để lắng nghe."))
@option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@option(
    "--https-cookies/--no-https-cookies",
    default=None,
    help=N_("Đánh dấu cookie phiên là Secure (mặc định: bật khi SOHOA_HTTPS=1, ví dụ sau proxy TLS)."),
)
@pass_ctx
def serve(ctx: Context, host: str, port: int, https_cookies: bool | None) -> None:
    import os

    import uvicorn

    from sohoa.web import create_app

    secure = https_cookies if https_cookies is not None else os.environ.get("SOHOA_HTTPS") == "1"
    application = create_app(ctx.archive, https_only=secure)
    click.echo(f"sohoa desk: http://{host}:{port}/ (" + _("Ctrl-C để dừng") + ")", err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=True)
