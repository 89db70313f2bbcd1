"""Pure finance library for the members of a housing cooperative. Nothing from `app`.

Money is whole rupiah as `int`; rates are `Decimal` fractions a year (5% is `Decimal("0.05")`);
nothing passes through a float. Every figure is exact: a schedule's principal parts add up to the
principal, to the rupiah.

- `finance.instalment`: instalment loans (anuitas, bunga efektif/menurun, bunga flat, murabahah,
  none) over a tenor that includes its grace months, with due dates clamped to the month's end,
  the regular monthly payment, the household income it needs, and a loan summary from a unit's
  price, grants and down payment.
- `finance.ledger`: payments against a schedule, applied to the oldest due instalment (late
  charge, interest, principal; the order configurable), credit paid ahead, late charges per the
  cooperative's policy (off by default), reversals as new entries; recomputed, never edited.
- `finance.arrears`: arrears as of a date, collectibility classes (the cooperative preset, four
  classes, and the bank one, five, thresholds configurable) and portfolio summaries with the
  problem-loan ratio and health band, rolled up from cooperatives to Japra.
- `finance.payment_rows`: the rows of a payments file checked on their own, then against the members, their
  plans in force and the ledger, every problem by row and column.
- `finance.affordability`: an instalment as an exact share of household income, flagged above the
  cooperative's ratio (30% by default), an unrecorded income "unknown"; a unit's instalment on
  assumed terms before the meeting.
"""
