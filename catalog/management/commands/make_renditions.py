"""Build the renditions of pictures that have none (rows from before pictures were)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.images import make_renditions
from catalog.models import ProductImage


class Command(BaseCommand):
    help = (
        "Check, re-encode and resize pictures without renditions; skip (and list) files that "
        "are not JPEG, PNG, WebP or GIF pictures, such as old SVGs. Re-running redoes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="rebuild",
            help="Rebuild every picture's renditions (after the sizes changed).",
        )

    def handle(self, *args, rebuild=False, **options):
        rows = ProductImage.objects.order_by("pk").values_list("pk", "renditions")
        made = skipped = 0
        for pk in [pk for pk, renditions in rows if rebuild or not renditions]:
            with transaction.atomic():  # one picture at a time: its old files go as it commits
                image = ProductImage.objects.select_for_update().filter(pk=pk).first()
                if image is None or (image.renditions and not rebuild):
                    continue  # deleted, or done by someone else, meanwhile
                try:
                    make_renditions(image)
                except (ValidationError, OSError) as err:
                    skipped += 1
                    reason = "; ".join(getattr(err, "messages", [str(err)]))
                    self.stdout.write(f"skipped {image.file.name} (picture {pk}): {reason}")
                    continue
            made += 1
            self.stdout.write(f"made renditions of {image.file.name} (picture {pk})")
        self.stdout.write(
            self.style.SUCCESS(f"{made} picture(s) done, {skipped} skipped.")
            if made or skipped
            else "Every picture has its renditions; nothing to do."
        )
