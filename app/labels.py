"""Display names of coded values, as msgids for the catalogue (N_ marks them for extraction)."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name)
    return message


STAGES = {
    "inisiasi": N_("Initiation"),
    "perencanaan": N_("Planning"),
    "perizinan": N_("Permits"),
    "konstruksi": N_("Construction"),
    "serah_terima": N_("Handover"),
    "dihuni": N_("Occupied"),
}

# One hue per stage, light to dark as a project matures; readable on a projector.
STAGE_COLORS = {
    "inisiasi": "#9e9ac8",
    "perencanaan": "#3182bd",
    "perizinan": "#e6550d",
    "konstruksi": "#d62728",
    "serah_terima": "#31a354",
    "dihuni": "#006d2c",
}

LAND_STATUSES = {
    "SHM": N_("SHM (freehold)"),
    "HGB": N_("HGB (right to build)"),
    "HPL": N_("HPL (management right)"),
    "hak_pakai": N_("Right of use (hak pakai)"),
    "tanah_negara": N_("State land"),
    "girik_adat": N_("Girik / customary claim"),
    "unknown": N_("Unknown"),
}

# Secure titles in greens and blues, weaker claims in warm colours, unknown in grey.
LAND_STATUS_COLORS = {
    "SHM": "#1a9850",
    "HGB": "#66bd63",
    "HPL": "#2b83ba",
    "hak_pakai": "#abd9e9",
    "tanah_negara": "#fdae61",
    "girik_adat": "#a6611a",
    "unknown": "#878787",
}

LOAN_METHODS = {
    "annuity": N_("annuity: equal instalments"),
    "flat": N_("flat interest"),
    "declining": N_("declining balance (efektif)"),
    "murabahah": N_("murabahah: a fixed margin agreed at the start"),
    "none": N_("no interest"),
}

ALLOCATION_METHODS = {
    "area": N_("by net floor area"),
    "equal": N_("equally per unit"),
    "weights": N_("by net floor area times a floor factor"),
}

BUILDING_TYPES = {
    "rusun_4_lantai": N_("Walk-up, up to 4 floors"),
    "rusun_5_8_lantai": N_("5 to 8 floors, stairs"),
    "rusun_lift": N_("With lifts"),
}

RESOURCE_KINDS = {"labour": N_("Labour"), "material": N_("Material"), "equipment": N_("Equipment")}

ALLOCATION_METHODS_MEETING = {
    "priority": N_("Priority: by the cooperative's rules, then each takes their best free choice"),
    "lottery": N_("Lottery with a public seed, then each takes their best free choice in the draw order"),
    "optimal": N_("Best total satisfaction over everyone's ranked choices"),
}

MEETING_STATUSES = {
    "draft": N_("Being prepared"),
    "published": N_("Seed hash published"),
    "held": N_("Draw held, not yet confirmed"),
    "confirmed": N_("Confirmed"),
}

AMENDMENT_KINDS = {
    "move": N_("Move a member to a free unit"),
    "swap": N_("Swap two members' units"),
    "withdraw": N_("Withdraw a member's unit (the unit becomes free)"),
    "allocate": N_("Give a free unit to a member who has none"),
}

# How a recorded amendment reads in the meeting's history and in the berita acara.
AMENDMENT_KINDS_DONE = {
    "move": N_("Moved to another unit"),
    "swap": N_("Units swapped"),
    "withdraw": N_("Allocation withdrawn"),
    "allocate": N_("Free unit allocated"),
}

ROLES = {
    "admin": N_("Administrator"),
    "planner": N_("Planner"),
    "coop_officer": N_("Cooperative officer"),
    "viewer": N_("Viewer"),
}
