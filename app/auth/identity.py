"""Who is asking: the signed-in user as a plain value, safe to pass across sessions and threads."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.models import Role


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    username: str
    display_name: str | None
    role: Role
    cooperative_id: int | None

    @property
    def sees_all_cooperatives(self) -> bool:
        return self.role in (Role.ADMIN, Role.PLANNER, Role.VIEWER)

    def may_see_cooperative(self, cooperative_id: int) -> bool:
        return self.sees_all_cooperatives or cooperative_id == self.cooperative_id

    def may_edit_cooperative(self, cooperative_id: int) -> bool:
        if self.role in (Role.ADMIN, Role.PLANNER):
            return True
        return self.role == Role.COOP_OFFICER and cooperative_id == self.cooperative_id

    @property
    def may_create_projects(self) -> bool:
        return self.role in (Role.ADMIN, Role.PLANNER)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
