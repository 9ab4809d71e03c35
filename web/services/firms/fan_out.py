"""One case per firm: a message whose start event says ``for_each_firm`` starts a case about each firm.

A process designer marks a message start event with the spiffworkflow property ``for_each_firm``:

- ``cluster``: every firm of the sending case's cluster that has a confirmed representative;
- and when the payload carries a list ``firm_ids``, only those of them (a joint action's registered firms).

Each case gets the firm (``firm_id``, the case is about it), the sender's cluster, and in its payload
``firm_id`` and ``firm_name``. Without the property a message starts one case, as before.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.registry import SpecSet

from ...models import Firm, FirmRepresentation, ProcessInstance

PROPERTY = "for_each_firm"
SCOPES = ("cluster",)


@dataclass(frozen=True)
class FirmStart:
    firm_id: int
    payload: dict[str, Any]


def fans_out(spec_set: SpecSet, message: str) -> bool:
    """Whether message ``message`` starts one case per firm."""
    return (spec_set.message_start_properties.get(message) or {}).get(PROPERTY, "").strip() in SCOPES


def firm_starts(session: Session, sender: ProcessInstance | None, payload: Any) -> list[FirmStart]:
    """The cases to start, one per firm of the sender's cluster with a confirmed representative (in firm
    order); none without a sender in a cluster."""
    if sender is None or sender.cluster_id is None:
        return []
    data = dict(payload) if isinstance(payload, Mapping) else {}
    query = (select(Firm.id, Firm.name).where(Firm.cluster_id == sender.cluster_id, Firm.id.in_(
        select(FirmRepresentation.firm_id).where(FirmRepresentation.status == "confirmed"))).order_by(Firm.id))
    wanted = data.get("firm_ids")
    if isinstance(wanted, list):
        query = query.where(Firm.id.in_([i for i in wanted if isinstance(i, int)]))
    return [FirmStart(firm_id, {**data, "firm_id": firm_id, "firm_name": name})
            for firm_id, name in session.execute(query)]
