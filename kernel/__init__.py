"""What the pure packages share: messages a user reads and the one base of the errors a user can cause."""
