"""Participants, nominations and attendance (issues #3 and #4)."""
