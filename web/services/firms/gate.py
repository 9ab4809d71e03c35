"""Closed by default: the pages and API endpoints a firm representative may reach at all.

Every other endpoint answers a firm representative 404, as if it did not exist (staff pages such as the
case list, the dashboard, the start page, exports, the designer and administration). The endpoints listed
here check the case itself (``Actor.sees_case``): only cases about the representative's own firms.
"""
from __future__ import annotations

# blueprints whose every page is for firm representatives too (the firms' portal is "portal")
FIRM_BLUEPRINTS = frozenset({"auth", "firm_auth", "portal", "notices", "tasks"})
FIRM_ENDPOINTS = frozenset({
    "static", "inbox.home", "inbox.index", "inbox.task_action", "cases.show", "letters.pdf", "letters.verify",
    "api_auth.token", "api_tasks.list_tasks", "api_tasks.show_task", "api_tasks.claim", "api_tasks.unclaim",
    "api_tasks.complete", "api_instances.show_instance",
})


def firm_may_reach(endpoint: str | None) -> bool:
    """Whether a firm representative may reach ``endpoint`` (a Flask endpoint name) at all."""
    if not endpoint:
        return False
    return endpoint in FIRM_ENDPOINTS or endpoint.partition(".")[0] in FIRM_BLUEPRINTS
