"""`{% picture image "card" %}`: a product picture with its renditions (catalog/images.py)."""

from django import template

from catalog.images import picture_urls
from catalog.models import ProductImage

register = template.Library()


@register.inclusion_tag("catalog/_picture.html")
def picture(image: ProductImage | None, size: str, alt: str | None = None, lazy: bool = False):
    """A <picture> of `image` in the `size` box of catalog.images.SIZES, WebP first, with its
    width and height; from the row alone (no query or file access). Nothing for None.
    `alt` replaces the picture's own alt text; `lazy` lets the browser load it late."""
    if image is None:
        return {"pic": None}
    return {
        "pic": picture_urls(image, size),
        "alt": image.alt if alt is None else alt,
        "lazy": lazy,
    }
