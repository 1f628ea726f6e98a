from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "performance_platform.survey"
    label = "survey"
    verbose_name = "Done-page survey"
