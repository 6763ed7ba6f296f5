"""The plan's classes: organisations, classes, sessions, venues, trainers, quotas, audit log."""
