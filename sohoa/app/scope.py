"""Units resolved once and intersected with the actor's: the one place a unit name becomes ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sohoa.archive import units as unit_ops
from sohoa.archive.models import Unit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sohoa.app.actor import Actor


@dataclass(frozen=True)
class UnitScope:
    """What a request may see: unit ids and codes (None = every unit) and the unit it named."""

    ids: list[int] | None
    codes: list[str] | None
    unit: Unit | None = None


def resolve_scope(session: Session, actor: Actor, unit: str | None) -> UnitScope:
    """The units a request covers: the named unit with its sub-units (all without one), never
    more than the actor's. A unit outside the actor's units leaves nothing to see, as a filter
    on a unit with no documents would, so the answer tells nothing about other units."""
    if unit:
        chosen = unit_ops.resolve_unit(session, unit)
        children = unit_ops.children_map(session)
        ids = set(unit_ops.subtree(children, chosen.id))
        if actor.unit_ids is not None:
            ids &= actor.unit_ids
        codes = [u.code for u in unit_ops.all_units(session) if u.id in ids]
        return UnitScope(sorted(ids), codes, chosen)
    if actor.unit_ids is None:
        return UnitScope(None, None, None)
    return UnitScope(sorted(actor.unit_ids), list(actor.unit_codes or ()), None)
