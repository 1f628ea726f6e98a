"""``performance-platform demo-provider``: the demo's Matomo, for the demo's collectors."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from performance_platform.demo.matomo import make_server


class Command(BaseCommand):
    help = (
        "Serve the demo's Matomo (its Reporting API's JSON, made-up visitors) where "
        "DEMO_PROVIDER_URL says, for the demo's collectors. `make run` starts it."
    )

    def add_arguments(self, parser):
        url = urlsplit(settings.DEMO_PROVIDER_URL)
        parser.add_argument("--host", default=url.hostname or "127.0.0.1")
        parser.add_argument("--port", type=int, default=url.port or 8001)

    def handle(self, *args, host, port, **options):
        try:
            server = make_server(host, port)
        except OSError as exc:
            raise CommandError(f"The demo Matomo cannot listen on {host}:{port}: {exc.strerror}")
        if options["verbosity"] >= 1:
            self.stdout.write(f"The demo Matomo answers at http://{host}:{port}/index.php")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("The demo Matomo stopped.")
        finally:
            server.server_close()
