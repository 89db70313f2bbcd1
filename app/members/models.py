from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, Timestamped
from kernel import limits


class Member(Timestamped, Base):
    """A household that is a member of a primary cooperative.

    Names, NIK, incomes and savings are personal data (UU PDP 27/2022): they are shown only to
    Japra's staff and the cooperative's own officers, masked where a number is enough, and never
    written to a log, a public page or a public export.
    """

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "number", name="uq_member_cooperative_id"),
        CheckConstraint("household_size >= 1 AND household_size <= 30", name="household_size"),
        CheckConstraint("monthly_income >= 0 AND savings_pokok >= 0 AND savings_wajib >= 0 "
                        "AND savings_sukarela >= 0", name="amounts"),
        CheckConstraint(f"length(notes) <= {limits.NOTE}", name="notes_length"),
        # The number is a path segment of the member's page: the safe alphabet of kernel.limits, in each
        # database's own pattern language (one constraint, emitted for the database at hand).
        *(CheckConstraint(sql, name="number").ddl_if(dialect=dialect)
          for dialect, sql in limits.MEMBER_NUMBER_SQL.items()),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="RESTRICT"), index=True)
    number: Mapped[str] = mapped_column(String(limits.MEMBER_NUMBER))
    name: Mapped[str] = mapped_column(String(limits.NAME))
    nik: Mapped[str | None] = mapped_column(String(16))
    household_size: Mapped[int] = mapped_column(Integer, default=1)
    monthly_income: Mapped[int] = mapped_column(BigInteger, default=0)
    elderly: Mapped[bool] = mapped_column(Boolean, default=False)
    disability: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_ground_floor: Mapped[bool] = mapped_column(Boolean, default=False)
    original_resident: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_on: Mapped[date | None] = mapped_column(Date)
    savings_pokok: Mapped[int] = mapped_column(BigInteger, default=0)
    savings_wajib: Mapped[int] = mapped_column(BigInteger, default=0)
    savings_sukarela: Mapped[int] = mapped_column(BigInteger, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def nik_masked(self) -> str:
        """The first six digits (the region) and the last two; enough to tell two people apart at a desk."""
        if not self.nik:
            return ""
        return self.nik[:6] + "•" * (len(self.nik) - 8) + self.nik[-2:]

    @property
    def savings_total(self) -> int:
        return self.savings_pokok + self.savings_wajib + self.savings_sukarela

    def __repr__(self) -> str:  # no personal data in tracebacks or logs
        return f"<Member {self.id} of cooperative {self.cooperative_id}>"
