"""The units a person may pick in a form: theirs (with sub-units), or all for an admin."""

from __future__ import annotations

from typing import Any

from sohoa.app.actor import Actor
from sohoa.archive import units as unit_ops
from sohoa.archive.store import Archive


def visible_units(archive: Archive, actor: Actor) -> list[dict[str, Any]]:
    """``[{"code", "name"}]`` of the units the actor acts in, in the archive's order."""
    with archive.sessions() as session:
        return [
            {"code": u.code, "name": u.name}
            for u in unit_ops.all_units(session)
            if actor.unit_ids is None or u.id in actor.unit_ids
        ]
