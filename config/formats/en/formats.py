# The English UI serves the same officials: keep the Vietnamese day-first dates and
# input formats; only the number separators are English.
from config.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
