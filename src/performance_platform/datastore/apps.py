from django.apps import AppConfig


class DatastoreConfig(AppConfig):
    name = "performance_platform.datastore"
    label = "datastore"
    verbose_name = "Data store"
