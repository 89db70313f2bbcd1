"""Pure finance library for the members of a housing cooperative. Nothing from `app`.

Money is whole rupiah as `int`; rates are `Decimal` fractions a year (5% is `Decimal("0.05")`);
nothing passes through a float. Every figure is exact: a schedule's principal parts add up to the
principal, to the rupiah.

- `finance.instalment`: instalment loans (anuitas, bunga flat, bunga efektif/menurun) with grace
  months and due dates, the regular monthly payment, the household income it needs, and a loan
  summary from a unit's price, grants and down payment.

The members-and-finance work builds on this package: payment ledgers, arrears and collectibility
classes come later, next to the schedules they are measured against.
"""
