"""Users and their roles (coordinator, nominator, trainer, viewer)."""
