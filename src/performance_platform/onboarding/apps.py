from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "performance_platform.onboarding"
    label = "onboarding"
    verbose_name = "Getting a dashboard"
