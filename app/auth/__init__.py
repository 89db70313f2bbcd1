"""Users, roles, sign-in sessions, API tokens and the guards that enforce who sees what."""
