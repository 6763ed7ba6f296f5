"""Course materials and their distribution (issue #6)."""
