"""The web desk: server-rendered Vietnamese pages and a JSON API over ``sohoa.app``.

Pages parse a request, call one use-case function with the logged-in actor, and render its
plain data; nothing here touches the database, the index or the ingest pipeline directly.
"""

from sohoa.web.routes import create_app

__all__ = ["create_app"]
