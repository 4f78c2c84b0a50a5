"""Users, passwords and signed tokens."""
