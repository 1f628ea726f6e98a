"""``performance-platform export-config``: print the configuration (no secrets)."""

import json

import yaml
from django.core.management.base import BaseCommand

from performance_platform.configuration.exporter import export_config


class Command(BaseCommand):
    help = "Print the configuration in the import-config format, without tokens."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "yaml"], default="json")

    def handle(self, *args, format, **options):
        doc = export_config()
        if format == "yaml":
            self.stdout.write(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), ending="")
        else:
            self.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False))
