from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendeesConfig(AppConfig):
    name = "attendees"
    verbose_name = _("Participants and attendance")

    def ready(self):
        from attendees import home, receivers
        from courses.home import register

        receivers.connect()
        register("nominator", home.nominator_home)
