"""The audit trail: who changed what, when. Append-only."""
