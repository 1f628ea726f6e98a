"""``performance-platform load-demo``: load (or refresh) the demo services and their data."""

from django.core.management.base import BaseCommand

from performance_platform.demo.data import load_demo
from performance_platform.demo.people import load_people, write_banner
from performance_platform.demo.survey import load_comments
from performance_platform.demo.uploads import load_uploads
from performance_platform.worker.runner import run_pending


class Command(BaseCommand):
    help = "Load the demo data sets and records. Running it again refreshes them."

    def handle(self, *args, **options):
        written = load_demo()
        shown = load_people()
        load_uploads()  # after the people: the uploads are theirs
        load_comments()  # done-page comments for the demo manager
        run_pending()  # the transforms the uploads queued (their figures are the demo's)
        write_banner(shown)
        total = sum(written.values())
        if options["verbosity"] >= 1:  # `make run` asks for 0: its last lines are the URLs
            self.stdout.write(f"Demo loaded: {total} records in {len(written)} data sets.")
            self.stdout.write(f"Demo accounts and preview link: {shown}")
