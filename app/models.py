"""Every mapped class, imported once so the metadata (and Alembic) sees the whole schema."""

from app.audit.models import AuditEntry
from app.auth.models import ApiToken, Role, User, UserSession
from app.cooperatives.models import Cooperative
from app.db.base import Base
from app.designs.models import Building, DesignUnitType, RabEntry, Scenario
from app.prices.models import AhspCoefficientRecord, AhspItemRecord, PriceLibrary, PriceResource
from app.projects.models import LandStatus, Parcel, Project, ProjectStage, Site

__all__ = [
    "AhspCoefficientRecord", "AhspItemRecord", "ApiToken", "AuditEntry", "Base", "Building", "DesignUnitType",
    "PriceLibrary", "PriceResource", "RabEntry", "Scenario", "Cooperative", "LandStatus", "Parcel", "Project",
    "ProjectStage", "Role", "Site", "User", "UserSession",
]
