"""Users, roles, sign-in and the audit trail of who changed what."""
