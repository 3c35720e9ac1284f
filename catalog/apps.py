from django.apps import AppConfig
from django.db.models.signals import post_delete


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from catalog.images import delete_files  # models are ready only now

        # A signal, not a service: a picture is also deleted with its product (cascade) and
        # from the admin's inline, and its files must go every time.
        post_delete.connect(delete_files, sender="catalog.ProductImage", dispatch_uid="pictures")
