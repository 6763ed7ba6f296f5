"""What the core tells the apps built on it, instead of calling up into them.

Each signal is sent inside the transaction of the change, so what a receiver writes is
committed (or rolled back) with it, and an exception in a receiver refuses the change.
Receivers are connected in their app's ``AppConfig.ready()``.
"""

from django.dispatch import Signal

# A class is being closed: its attendance becomes final. Sent with ``training_class``,
# ``actor`` and ``sessions`` (the sessions nobody closed, which closing the class ends:
# attendees marks those never scanned absent). Reopening the class reopens exactly these.
class_closing = Signal()

# A closed class is being reopened. Sent with ``training_class``, ``actor``, ``sessions``
# (those its closing ended, to reopen) and ``reason``.
class_reopening = Signal()

# Asked by the page that confirms closing a class, before anything changes: each receiver
# returns the lines saying what closing will do in its app (a list of str). Sent with
# ``training_class`` and ``sessions`` (those closing will end, by date and time).
class_close_preview = Signal()
