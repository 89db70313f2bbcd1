"""The bounds on what a user may type or import, named per concept: one list for the form reader's calls, the API's
body types, the import checks, the models' columns and the database's CHECK constraints, so none disagrees.

A bound is set above anything a cooperative really writes and below what would hurt: a text sent with every list,
a number past what the columns and the arithmetic downstream hold. The database holds them too (a CHECK on the
free-text columns, whose type has no length, on both databases; varchar(n) on PostgreSQL), so a path that forgets
one is refused there instead of storing it.
"""

from __future__ import annotations

import re

# A person's, a project's, a cooperative's, a meeting's name or title: the String(200) columns.
NAME = 200
# A project's, a cooperative's or a scenario's description: sent with every item of /api/projects (up to 500 a
# page), so a page stays a few MB at worst; the API has taken 5,000 since it began.
DESCRIPTION = 5_000
# Notes of a member, a meeting, a parcel, a site report or a cost: a page and a half of text, above the 2,000 the
# forms took until now (no stored note is cut) and far below the megabytes an import used to take.
NOTE = 5_000
# Why a payment was reversed, a plan restructured, an allocation amended: one paragraph, as the forms always took.
REASON = 500
# Where a price library's prices come from (a decree, a survey): a citation, not a document.
SOURCE = 1_000
# A public page's story: about eight printed pages (publication.story says so in its own words).
STORY = 20_000
# A payment's reference (a receipt or transfer number): its column, varchar(64). A reversal's own reference is
# derived to fit the same width (app.loans.service.reversal_reference).
REFERENCE = 64
# A member number: short, and a safe path segment (/cooperatives/<slug>/members/<number>): letters and digits, with
# dots, dashes and underscores after the first character. No slash, no space, never "." or "..", which a browser
# or a proxy would resolve away before the page is reached.
MEMBER_NUMBER = 32
MEMBER_NUMBER_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,31}"  # a first character, then up to MEMBER_NUMBER - 1
MEMBER_NUMBER_RE = re.compile(MEMBER_NUMBER_PATTERN)
# The same rule in SQL, for the member table's CHECK: PostgreSQL's regular expressions, SQLite's GLOB (which has no
# repetition, so the length is a separate test there).
MEMBER_NUMBER_SQL = {
    "postgresql": "number ~ '^" + MEMBER_NUMBER_PATTERN + "$'",
    "sqlite": (f"length(number) BETWEEN 1 AND {MEMBER_NUMBER} AND number GLOB '[A-Za-z0-9]*' "
               "AND number NOT GLOB '*[^A-Za-z0-9._-]*'"),
}

# Whole rupiah a form may carry (a price, a tariff, a grant, a down payment): Rp1 quadrillion, far above any housing
# project, far below 2**63 (PostgreSQL BIGINT, SQLite INTEGER), so sums of many still fit.
RUPIAH_MAX = 10**15
# One payment of a member: Rp1 trillion, thousands of times a rusun unit's price, so no real instalment or
# settlement reaches it; a whole import file of them (20,000 rows) sums to 2 * 10**16, and a plan's ledger adds
# interest and late charges to such sums, all far below 2**63. The import has refused more since it began.
PAYMENT_MAX = 10**12


# A cooperative's details printed on its documents (app.cooperatives): a slug is a path segment (/cooperatives/<slug>),
# so lowercase letters, digits and dashes only; the rest are one line each on a letterhead or a signature line.
COOPERATIVE_SLUG = 64
PLACE_NAME = 100  # a kelurahan, a kecamatan, a city
ADDRESS = 500
BADAN_HUKUM_NUMBER = 100  # an AHU decree number, e.g. AHU-0001234.AH.01.26.TAHUN 2021
PHONE = 32
EMAIL = 254  # the longest address SMTP delivers
