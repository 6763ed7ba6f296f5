"""What attendees tells the apps built on it (certificates), instead of calling up into
them. Sent inside the transaction of the change; receivers are connected in their app's
``AppConfig.ready()``."""

from django.dispatch import Signal

# A person is being erased on request (``participant`` already stripped of identifying
# data, ``actor``): certificates drop the date of birth from those already issued.
participant_erasing = Signal()
