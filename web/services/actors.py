"""Who is acting, and what they may touch."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..reference import roles as role_list

# Roles that shape the system, not its cases: holding one is no reason to read cases, tasks or files.
CASE_BLIND_ROLES = frozenset({"process_designer", "admin"})


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

    @property
    def case_roles(self) -> frozenset[str]:
        """The roles that make cases visible (every role but designing and administering)."""
        return self.roles - CASE_BLIND_ROLES

    @property
    def national_cases(self) -> bool:
        """Sees the cases of every province (the system, and national case-visible roles)."""
        if self.system:
            return True
        known = role_list()
        return any(known[r].national for r in self.case_roles if r in known)

    def sees_cases_in(self, province: str | None) -> bool:
        """May read cases of ``province`` at all: a case-visible role that is national or held there."""
        return self.national_cases or (bool(self.case_roles) and (province is None or province in self.provinces))

    def may_work_on(self, role: str | None, province: str | None, assignee: str | None) -> bool:
        """May complete/claim a task of ``role`` in ``province`` (held by ``assignee``)."""
        if self.system:
            return True
        if assignee is not None:
            return assignee == self.username
        return (role is None or role in self.case_roles) and self.sees_cases_in(province)


SYSTEM = Actor("system", system=True)
