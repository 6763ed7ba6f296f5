from django.apps import AppConfig


class DemoConfig(AppConfig):
    # No models: nothing of it shows in the admin, so no verbose name to translate.
    name = "demo"
