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
    # a firm representative's confirmed firms (ids in the firm register); None for everyone else. A firm
    # representative sees no province's cases, only the cases about one of these firms (``sees_case``).
    firms: frozenset[int] | None = None

    @property
    def for_firms(self) -> bool:
        """Acts for firms: has confirmed firms, or holds a firm-scoped role (then, without firms, sees nothing)."""
        if self.firms is not None:
            return True
        known = role_list()
        return any(known[r].firm for r in self.roles if r in known)

    @property
    def firm_ids(self) -> frozenset[int]:
        return self.firms or frozenset()

    @property
    def national(self) -> bool:
        """Parent-organization roles and the system see every province."""
        if self.system:
            return True
        known = role_list()
        return any(known[r].national for r in self.roles if r in known)

    def sees_province(self, province: str | None) -> bool:
        if self.for_firms:
            return False   # acts for firms, never for a province (not even for province-less cases)
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
        if self.for_firms:
            return False
        return self.national_cases or (bool(self.case_roles) and (province is None or province in self.provinces))

    def sees_case(self, province: str | None, firm_id: int | None = None) -> bool:
        """May read a case of ``province`` about the firm ``firm_id`` (None: about no single firm)."""
        if self.for_firms:
            return firm_id is not None and firm_id in self.firm_ids
        return self.sees_cases_in(province)

    def may_work_on(self, role: str | None, province: str | None, assignee: str | None,
                    firm_id: int | None = None) -> bool:
        """May complete/claim a task of ``role`` in ``province`` (held by ``assignee``) of a case about
        ``firm_id``: firm representatives only in their own firms' cases."""
        if self.system:
            return True
        if self.for_firms and (firm_id is None or firm_id not in self.firm_ids):
            return False
        if assignee is not None:
            return assignee == self.username
        return (role is None or role in self.case_roles) and self.sees_case(province, firm_id)


SYSTEM = Actor("system", system=True)
