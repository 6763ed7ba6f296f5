"""Certificates: issuing, PDF and public verification (issue #5)."""
