"""What the OpenAPI document at /api/schema says beyond the handlers' signatures: how to sign in, that a body
refuses fields it does not know, and the shape of the GeoJSON answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

import msgspec

# Litestar's own plugin for Structs (private, and so pinned by litestar<3 in pyproject.toml); extended, not copied.
from litestar._openapi.schema_generation.plugins import StructSchemaPlugin
from litestar.openapi.spec import Components, SecurityScheme

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition

BEARER = "bearer"
SECURITY_SCHEMES = Components(security_schemes={BEARER: SecurityScheme(
    type="http", scheme="bearer",
    description="An API token (`japra token create --username NAME`), sent as `Authorization: Bearer <token>`. A "
                "signed-in browser's session cookie works too; its writes need the `x-csrftoken` header.",
)})
# For a router's `security`: every operation under it needs the token.
BEARER_REQUIRED = [{BEARER: []}]


class StrictStructs(StructSchemaPlugin):
    """A msgspec Struct with `forbid_unknown_fields` answers 400 to a field it does not know: its schema says so
    (additionalProperties: false), which Litestar's own plugin leaves out."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if msgspec.inspect.type_info(field_definition.type_).forbid_unknown_fields:
            schema.additional_properties = False
        return schema


# The GeoJSON answers (RFC 7946, EPSG:4326, 7 decimals) as the services build them, for the OpenAPI document.
class ParcelGeometry(TypedDict):
    type: Literal["MultiPolygon"]  # a parcel is stored as one
    coordinates: list[Any]


class ParcelProperties(TypedDict):
    code: str
    land_status: str
    holder: str | None
    notes: str | None  # the file's mapped notes column (keterangan)
    area_m2: float
    perimeter_m: float
    project: str


class ParcelFeature(TypedDict):
    type: Literal["Feature"]
    id: int
    geometry: ParcelGeometry
    properties: ParcelProperties


class ParcelCollection(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[ParcelFeature]


class SiteGeometry(TypedDict):
    type: Literal["Polygon", "MultiPolygon"]  # the union of the site's parcels
    coordinates: list[Any]


class SiteProperties(TypedDict):
    project: str
    name: str
    cooperative: str
    stage: str
    area_m2: float
    url: str


class SiteFeature(TypedDict):
    type: Literal["Feature"]
    id: str  # the project's slug
    geometry: SiteGeometry
    properties: SiteProperties


class SiteCollection(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[SiteFeature]
