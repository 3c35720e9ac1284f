"""The product list's import and export (django-import-export): CSV and XLSX, a dry run then
a confirm step, all or nothing. The rules of the file are in catalog/resources.py."""

from django.contrib import messages
from django.template.response import TemplateResponse
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm


class CatalogImportExportMixin(ImportExportMixin):
    """Import needs the add and change permissions; export the view (or change) one."""

    formats = [CSV, XLSX]
    # The whole file, always: an export is also the import's format.
    export_form_class = ExportForm
    import_template_name = "admin/catalog/product/import.html"

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def process_result(self, result, request):
        # The confirm step runs the import again: a row may fail now (a checkout took the
        # stock a stock_change counted on). The resource rolled everything back: say so.
        if result.has_errors() or result.has_validation_errors():
            return self._refused(result, request)
        return super().process_result(result, request)

    def _refused(self, result, request):
        messages.error(request, "Nothing was imported: a row was refused (below).")
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": "Import",
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "import_error_display": self.import_error_display,
        }
        return TemplateResponse(request, [self.import_template_name], context)
