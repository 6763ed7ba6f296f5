from django.conf import settings
from django.utils import translation


class CookieLocaleMiddleware:
    """Vietnamese unless the user chose otherwise with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language header, and most
    office PCs and phones here run an English-language Chrome: officials would land on an
    English UI they never asked for. So only the explicit choice (the language cookie set
    by Django's `set_language` view) counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
