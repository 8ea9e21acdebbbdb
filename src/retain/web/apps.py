from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "retain.web"
    label = "web"

    def ready(self):
        from . import displays

        displays.install()  # every model is loaded by now (the module says why)
