"""Price libraries: loading a version, reading it back as costing objects, and its unit prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.errors import Conflict, NotFound
from app.prices.models import AhspCoefficientRecord, AhspItemRecord, PriceLibrary, PriceResource
from costing.ahsp import AhspItem, Coefficient, Resource, UnitPrice, unit_price


def list_libraries(session: Session) -> list[tuple[PriceLibrary, int, int]]:
    """Every version with its resource and item counts, newest first."""
    libraries = session.scalars(select(PriceLibrary).order_by(PriceLibrary.effective_date.desc(), PriceLibrary.code))
    def counts(model) -> dict[int, int]:
        return dict(session.execute(select(model.library_id, func.count()).group_by(model.library_id)).all())

    counts_r, counts_i = counts(PriceResource), counts(AhspItemRecord)
    return [(lib, counts_r.get(lib.id, 0), counts_i.get(lib.id, 0)) for lib in libraries]


def get(session: Session, library_id: int) -> PriceLibrary:
    library = session.scalar(
        select(PriceLibrary).where(PriceLibrary.id == library_id)
        .options(selectinload(PriceLibrary.resources),
                 selectinload(PriceLibrary.items).selectinload(AhspItemRecord.coefficients)))
    if library is None:
        raise NotFound("No price library found at this address.")
    return library


def by_code(session: Session, code: str) -> PriceLibrary | None:
    return session.scalar(select(PriceLibrary).where(PriceLibrary.code == code))


def resources_of(library: PriceLibrary) -> dict[str, Resource]:
    return {r.code: Resource(r.code, r.name, r.unit, r.kind, r.price) for r in library.resources}


def items_of(library: PriceLibrary) -> dict[str, AhspItem]:
    return {
        i.code: AhspItem(i.code, i.name, i.unit,
                         tuple(Coefficient(c.resource_code, Decimal(c.coefficient)) for c in i.coefficients),
                         Decimal(i.overhead_pct))
        for i in library.items
    }


def unit_prices(library: PriceLibrary) -> dict[str, UnitPrice]:
    resources = resources_of(library)
    return {code: unit_price(item, resources) for code, item in items_of(library).items()}


def create_library(session: Session, actor: Any, data: dict[str, Any]) -> PriceLibrary:
    """A new version from already-validated data (the fixture format; see fixtures/prices/README.md)."""
    if by_code(session, data["code"]) is not None:
        raise Conflict("A price library with the code {code} exists already; give the new version its own code.",
                       field="code", code=data["code"])
    effective = data["effective_date"]
    library = PriceLibrary(
        code=data["code"], name=data["name"], region=data["region"],
        effective_date=effective if isinstance(effective, date) else date.fromisoformat(effective),
        source=data.get("source"), illustrative=bool(data.get("illustrative", False)),
    )
    for r in data["resources"]:
        library.resources.append(PriceResource(code=r["code"], name=r["name"], unit=r["unit"], kind=r["kind"],
                                               price=int(r["price"])))
    for i in data["items"]:
        item = AhspItemRecord(code=i["code"], name=i["name"], unit=i["unit"], division=i["division"],
                              overhead_pct=Decimal(str(i.get("overhead_pct", 10))))
        for c in i["coefficients"]:
            item.coefficients.append(AhspCoefficientRecord(resource_code=c["resource"],
                                                           coefficient=Decimal(str(c["coefficient"]))))
        library.items.append(item)
    unit_prices(library)  # every coefficient names a resource of this version, or CostingError says which
    session.add(library)
    session.flush()
    audit.record(session, actor=actor, action="prices.create", entity_type="price_library", entity_id=library.id,
                 changes={"code": library.code, "resources": len(library.resources), "items": len(library.items)})
    return library


def as_data(library: PriceLibrary) -> dict[str, Any]:
    """The version in the exchange format of fixtures/prices and the Excel workbook."""
    return {
        "code": library.code, "name": library.name, "region": library.region,
        "effective_date": library.effective_date.isoformat(), "source": library.source,
        "illustrative": library.illustrative,
        "resources": [{"code": r.code, "name": r.name, "unit": r.unit, "kind": r.kind, "price": r.price}
                      for r in library.resources],
        "items": [{"code": i.code, "name": i.name, "unit": i.unit, "division": i.division,
                   "overhead_pct": str(i.overhead_pct),
                   "coefficients": [{"resource": c.resource_code, "coefficient": str(c.coefficient)}
                                    for c in i.coefficients]}
                  for i in library.items],
    }
