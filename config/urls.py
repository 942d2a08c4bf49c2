from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

# An unknown /api/ path answers JSON in the API's error shape; other paths get Django's page.
handler404 = "api.views.not_found"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Outside i18n_patterns: API clients choose their language with Accept-Language, not the path.
    path("api/v1/", include("api.urls")),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="api-docs"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
# The pages, at the site's root and outside i18n_patterns: their addresses stay the same in both
# languages (the phone page's offline worker depends on that); the language comes from the cookie
# that /i18n/setlang/ sets. Last, so that api/ and admin/ match first.
urlpatterns += [path("", include("frontend.urls"))]
# No /media/ route, not even under DEBUG: an uploaded or generated file is reached only through the
# scoped API route of the row it belongs to (api/files.py), never by its guessable path.
