"""Routes of the signed-in pages: the manager's hub and the platform admin's pages."""

app_name = "manage"

urlpatterns: list = []
