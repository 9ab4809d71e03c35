"""Who is acting, and what they may touch."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..reference import roles as role_list


@dataclass(frozen=True)
class Actor:
    """A signed-in user (or the system itself) as the services see them."""

    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    provinces: frozenset[str] = field(default_factory=frozenset)
    system: bool = False

    @property
    def national(self) -> bool:
        """Parent-organization roles and the system see every province."""
        if self.system:
            return True
        known = role_list()
        return any(known[r].national for r in self.roles if r in known)

    def sees_province(self, province: str | None) -> bool:
        return self.national or province is None or province in self.provinces

    def may_work_on(self, role: str | None, province: str | None, assignee: str | None) -> bool:
        """May complete/claim a task of ``role`` in ``province`` (held by ``assignee``)."""
        if self.system:
            return True
        if assignee is not None:
            return assignee == self.username
        return (role is None or role in self.roles) and self.sees_province(province)


SYSTEM = Actor("system", system=True)
