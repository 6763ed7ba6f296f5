"""How a page shows the figures of ``attendees.rules``: a rate with nothing behind it reads
"not held yet", never 0 %."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from attendees.rules import Rate

register = template.Library()


@register.filter
def rate(value: Rate) -> str:
    if value.percent is None:
        return _("not held yet")
    return f"{floatformat(value.percent, '-1')}%"


@register.filter
def eligibility(value: bool | None) -> str:
    if value is None:
        return _("not decided yet")
    return _("Yes") if value else _("No")
