"""The cooperative's calendar: today is Jakarta's day, whatever the server's time zone.

The web app reads the day from its clock (`app.state.clock`, see `app.web.deps.today`), so a test sets a
`FixedClock` instead of patching a function in each module; jobs and documents ask `jakarta_today()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def jakarta_today() -> date:
    return datetime.now(JAKARTA).date()


class SystemClock:
    def today(self) -> date:
        return jakarta_today()


@dataclass
class FixedClock:
    """A day that does not move: for tests, and for a demo that must look the same whenever it is shown."""

    day: date

    def today(self) -> date:
        return self.day
