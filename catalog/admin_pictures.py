"""A product's pictures in its admin page: uploads go through catalog/images.py."""

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.template.loader import render_to_string

from catalog.images import add_picture, check_upload, clean_pixels, picture_urls, replace_picture
from catalog.models import ProductImage


class ProductImageForm(forms.ModelForm):
    """An uploaded file is checked when the form is cleaned (a bad one is an error on the
    field) and stored, re-encoded with its renditions, by catalog/images.py."""

    file = forms.FileField(
        label="picture",
        help_text="A JPEG, PNG, WebP or GIF picture; stored re-encoded, without its metadata.",
    )

    class Meta:
        model = ProductImage
        fields = ["file", "alt", "position"]

    def clean_file(self):
        file = self.cleaned_data["file"]
        if isinstance(file, UploadedFile):
            clean_pixels(check_upload(file).image)  # every error here, none when saving
            self.replaced = self.instance.file.name  # before the form puts the upload there
        return file

    def save(self, commit=True):
        # The services write the row, so they run whatever `commit` says (the admin commits).
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return super().save(commit)
        image = self.instance
        if image.pk is None:
            self.instance = add_picture(
                product=image.product, file=upload, alt=image.alt, position=image.position
            )
        else:
            image.file = self.replaced  # the stored name again, not the raw upload
            replace_picture(image=image, file=upload)
        return self.instance


class ProductImageInline(admin.TabularInline):
    """Pictures in the product's admin page, in `position` order: the first is the main one."""

    model = ProductImage
    form = ProductImageForm
    fields = ["preview", "file", "alt", "position"]
    readonly_fields = ["preview"]
    extra = 1

    @admin.display(description="preview")
    def preview(self, image: ProductImage) -> str:
        if not image.pk:
            return "–"
        return render_to_string(
            "catalog/_picture.html", {"pic": picture_urls(image, "admin"), "alt": image.alt}
        )
