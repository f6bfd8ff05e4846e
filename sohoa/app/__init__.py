"""The use-case layer: what a person may do with the archive, whichever front they use.

The CLI (``sohoa.commands``) and the web desk (``sohoa.web``) both parse a request, call one
function here with an :class:`~sohoa.app.actor.Actor`, and print or render the plain data it
returns. Each function resolves units once, scopes every query to the actor's units, checks the
actor's role, writes the audit trail under the actor's name, owns its transaction, and returns
dicts whose JSON is exactly the CLI's documented ``--json``. Neither front imports
``sohoa.archive``, ``sohoa.search`` or ``sohoa.ingest`` (``tests/test_layering.py``).
"""

from sohoa.app.actor import ROLES, Actor, ForbiddenError, cli_actor, local_admin

__all__ = ["ROLES", "Actor", "ForbiddenError", "cli_actor", "local_admin"]
