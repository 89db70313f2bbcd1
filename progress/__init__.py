"""Construction progress: bobot, the planned and actual S-curves, kontrak kritis, budget, site photos.

Pure code: nothing from `app/`. Percentages are `Decimal`s with two decimals where they are shown,
exact (`Fraction`, `Decimal`) on the way; money is whole rupiah as `int`. Texts for users are
`kernel.messages.Message`s; bad input raises `ProgressError` (a ValueError) listing every problem.
See progress/README.md for the rules and the assumptions.

- `progress.weights`: bobot from costs (adding up to exactly 100), the parametric division template;
- `progress.schedule`: work packages, weeks, the planned S-curve of the project and each building;
- `progress.reports`: progress reports and their checks, the actual S-curve, deviation, status
  (normal, terlambat, kritis) and since when it is critical;
- `progress.showcause`: show-cause meetings SCM I, II, III;
- `progress.budget`: actual costs against the RAB per division;
- `progress.costbook`: the book of actual costs: what an entry must say, corrections as negative entries;
- `progress.handover`: PHO and FHO, the retention, the maintenance period, the members' first due dates;
- `progress.photos`: site photos checked, their EXIF time and position, thumbnails, public copies;
- `progress.chart`: the S-curve as SVG.
"""

from progress.errors import Problem, ProgressError

__all__ = ["Problem", "ProgressError"]
