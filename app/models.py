"""Every mapped class, imported once so the metadata (and Alembic) sees the whole schema."""

from app.audit.models import AuditEntry
from app.auth.models import ApiToken, Role, User, UserSession
from app.construction.models import (
    BuildingFootprint,
    Construction,
    CostEntry,
    ProgressEntry,
    ProgressReport,
    ShowCauseMeeting,
    SitePhoto,
    WorkPackage,
)
from app.cooperatives.models import Cooperative, CooperativePolicy
from app.db.base import Base
from app.designs.models import Building, DesignUnitType, RabEntry, Scenario
from app.loans.models import InstalmentPlan, PaymentEntry
from app.meetings.models import AllocationMeeting, MeetingParticipant, UnitAllocation
from app.members.models import Member
from app.prices.models import AhspCoefficientRecord, AhspItemRecord, PriceLibrary, PriceResource
from app.projects.models import LandStatus, Parcel, Project, ProjectStage, Site
from app.publishing.models import Publication

__all__ = [
    "InstalmentPlan", "PaymentEntry", "CooperativePolicy", "BuildingFootprint", "Construction", "CostEntry",
    "ProgressEntry", "ProgressReport", "ShowCauseMeeting", "SitePhoto", "WorkPackage", "Publication",
    "AhspCoefficientRecord", "AhspItemRecord", "AllocationMeeting", "ApiToken", "AuditEntry", "Base", "Building",
    "Cooperative", "DesignUnitType", "LandStatus", "MeetingParticipant", "Member", "Parcel", "PriceLibrary",
    "PriceResource", "Project", "ProjectStage", "RabEntry", "Role", "Scenario", "Site", "UnitAllocation", "User",
    "UserSession",
]
