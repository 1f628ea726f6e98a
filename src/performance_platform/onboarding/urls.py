"""Routes for getting a dashboard: the guidance, the request form, and reviewing requests."""

app_name = "onboarding"

urlpatterns: list = []
