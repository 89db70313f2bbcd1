"""What the pure packages share: messages a user reads, the one base of the errors a user can cause, and cells as
typed (`kernel.cells`)."""
