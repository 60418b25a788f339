"""People management: inviting people, granting and revoking roles, deactivating accounts,
bulk imports of rosters. Who may do which of these is decided by the door (kelurahan/access)."""
