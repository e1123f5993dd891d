"""Framework-free helpers: no Django models in here."""
