"""Routes of the public site. Included by the project's URL map before the legacy ``/<name>``
data route, which would otherwise take ``/performance``."""

from django.urls import path

from . import views

app_name = "site"

urlpatterns = [
    path("", views.root, name="root"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    path("performance", views.home, name="home"),
    path("performance.json", views.home_json, name="home-json"),
    path("performance/", views.trailing_slash, name="home-slash"),
    path("performance/accessibility", views.accessibility, name="accessibility"),
]
