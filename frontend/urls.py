from django.urls import path

from frontend import desk, imports, mobile, views

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("jsi18n/", views.javascript_catalog, name="jsi18n"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("desk/", desk.desk, name="desk"),
    path("imports/", imports.imports, name="imports"),
    # The phone page and what installs it; the worker at /m/sw.js so that its scope covers /m/.
    path("m/", mobile.mobile, name="mobile"),
    path("m/sw.js", mobile.service_worker, name="mobile-sw"),
    path("m/manifest.webmanifest", mobile.manifest, name="mobile-manifest"),
    path("m/icon-<int:size>.png", mobile.icon, name="mobile-icon"),
    path("m/icon-maskable-<int:size>.png", mobile.icon, {"maskable": True}, name="mobile-icon-maskable"),
]
