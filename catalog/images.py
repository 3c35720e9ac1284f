"""Product pictures: uploads checked by content, re-encoded without metadata, and resized once
into the renditions the pages show, all stored through Django's storage API."""

import logging
import secrets
import struct
import warnings
from io import BytesIO
from pathlib import PurePosixPath
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from PIL import Image, ImageCms, ImageOps

from catalog.models import Product, ProductImage

log = logging.getLogger(__name__)

# The boxes the pages draw pictures in, in CSS pixels. Each is made at 1x and, when the
# original fills twice the box, at 2x; in WebP and in JPEG (PNG for a transparent picture).
SIZES = {"card": (240, 180), "product": (480, 360), "cart": (64, 48), "admin": (100, 75)}
ACCEPTED = ("JPEG", "PNG", "WEBP", "GIF")  # what an upload may decode as (GIF: its first frame)
RENDITIONS = "products/renditions/"
_EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_TYPE = {"JPEG": "image/jpeg", "PNG": "image/png"}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# What a broken or hostile file makes Pillow's decoders raise.
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error)


class Upload(NamedTuple):
    image: Image.Image  # decoded (loaded), as uploaded: metadata still attached
    format: str  # "JPEG", "PNG", "WEBP" or "GIF"


def check_upload(file) -> Upload:
    """Decode `file` by its content, whatever its name.

    Raises:
        ValidationError: not a JPEG, PNG, WebP or GIF picture, a damaged one, or one past
        IMAGE_MAX_BYTES, IMAGE_MAX_PIXELS or IMAGE_MAX_SIDE (decompression bombs included).
    """
    if _size_of(file) > settings.IMAGE_MAX_BYTES:
        limit = settings.IMAGE_MAX_BYTES / 1_000_000
        raise ValidationError(f"The file is larger than {limit:g} MB.", code="too_large")
    try:
        # Past Pillow's own pixel limit, a file is a decompression bomb: an error here, in a
        # scoped filter, rather than a change to Pillow's global MAX_IMAGE_PIXELS.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file, formats=ACCEPTED) as probe:
                _check_dimensions(*probe.size)  # from the header, before any pixel is decoded
                probe.verify()
            file.seek(0)
            image = Image.open(file, formats=ACCEPTED)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ValidationError("The picture has too many pixels.", code="too_many_pixels") from err
    except _UNREADABLE as err:
        raise ValidationError(
            "Upload a JPEG, PNG, WebP or GIF picture: this file is not one, or it is damaged.",
            code="not_a_picture",
        ) from err
    return Upload(image, image.format)


def _size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        size = file.seek(0, 2)
    return size


def _check_dimensions(width: int, height: int) -> None:
    if max(width, height) > settings.IMAGE_MAX_SIDE:
        raise ValidationError(
            f"The picture is {width}×{height} pixels; at most {settings.IMAGE_MAX_SIDE} pixels "
            "wide and tall are accepted.",
            code="too_large",
        )
    if width * height > settings.IMAGE_MAX_PIXELS:
        limit = settings.IMAGE_MAX_PIXELS / 1_000_000
        raise ValidationError(
            f"The picture has more than {limit:g} million pixels.", code="too_many_pixels"
        )


def clean_pixels(image: Image.Image) -> Image.Image:
    """The picture upright, in sRGB, as a new RGB image (RGBA if any pixel is transparent)
    holding nothing but pixels: no EXIF, ICC profile, text chunks or trailing data.

    Raises:
        ValidationError: the picture decoded but cannot be converted (broken data).
    """
    try:
        image = _upright(image)
        if image.mode.startswith("I;16"):  # 16-bit grey: scaled to 8 bits, not clipped white
            image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
        alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
        image = _to_srgb(image, alpha) if image.info.get("icc_profile") else image
        image = image.convert("RGBA" if alpha else "RGB")
        if alpha and image.getchannel("A").getextrema()[0] == 255:
            image = image.convert("RGB")  # nothing is transparent: store it as a JPEG
    except _UNREADABLE as err:
        raise ValidationError(
            "This picture cannot be converted: it is damaged.", code="not_a_picture"
        ) from err
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    return fresh


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except _UNREADABLE:
        return image  # broken EXIF: shown as stored (the EXIF is dropped anyway)


def _to_srgb(image: Image.Image, alpha: bool) -> Image.Image:
    """Colours converted from the picture's ICC profile (a phone's Display P3, a CMYK print
    profile) to sRGB, which is what browsers assume once the profile is dropped."""
    try:
        profile = ImageCms.ImageCmsProfile(BytesIO(image.info["icc_profile"]))
        return ImageCms.profileToProfile(
            image, profile, _SRGB, outputMode="RGBA" if alpha else "RGB"
        )
    except (ImageCms.PyCMSError, *_UNREADABLE):
        return image  # a broken profile, or one not for this mode: the pixels as they are


def _encode(image: Image.Image, fmt: str) -> ContentFile:
    out = BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=80, method=2)  # half the default's time, ~5 % larger
    else:
        image.save(out, "PNG", compress_level=6)
    return ContentFile(out.getvalue())


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled to fit in `box`, keeping its proportions; never enlarged."""
    scale = min(box[0] / size[0], box[1] / size[1], 1)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _fallback(image: Image.Image) -> str:
    return "PNG" if image.mode == "RGBA" else "JPEG"


def _stem(base: str) -> str:
    """A new file stem from a slug or an old name; its random part keeps names unique on
    storages that overwrite files of the same name."""
    return f"{PurePosixPath(base).stem[:60] or 'picture'}-{secrets.token_hex(4)}"


def _renditions(image: ProductImage, pixels: Image.Image) -> dict:
    """Resize and store every size of the picture; return what `ProductImage.renditions` keeps."""
    storage, stem, fmt = image.file.storage, PurePosixPath(image.file.name).stem, _fallback(pixels)
    largest = max(SIZES.values())
    # Every rendition is made from one copy at the largest 2x size: much faster from a photo.
    base = pixels.resize(
        _fit(pixels.size, (largest[0] * 2, largest[1] * 2)),
        Image.Resampling.LANCZOS,
        reducing_gap=3.0,
    )
    files = {}  # (width, height) -> its WebP and fallback names: sizes may share one (2x, 1x)
    made = {}
    for size, (width, height) in SIZES.items():
        boxes = [(width, height)]
        if pixels.width >= 2 * width or pixels.height >= 2 * height:
            boxes.append((2 * width, 2 * height))
        entry = {"webp": [], "fallback": [], "type": _TYPE[fmt]}
        for box in boxes:
            dims = _fit(pixels.size, box)
            if dims not in files:
                small = base.resize(dims, Image.Resampling.LANCZOS, reducing_gap=3.0)
                name = f"{RENDITIONS}{stem}-{dims[0]}x{dims[1]}"
                files[dims] = [
                    storage.save(f"{name}.{_EXT[kind]}", _encode(small, kind))
                    for kind in ("WEBP", fmt)
                ]
            entry.setdefault("width", dims[0])
            entry.setdefault("height", dims[1])
            entry["webp"].append(files[dims][0])
            entry["fallback"].append(files[dims][1])
        made[size] = entry
    return made


def _store(image: ProductImage, pixels: Image.Image, *, new_file_for: str = "") -> None:
    """Save the renditions (and, with `new_file_for`, the re-encoded picture itself under a
    name made from it), then the row; the files the row named before go once the caller's
    transaction commits."""
    storage, before = image.file.storage, picture_files(image)
    try:
        if new_file_for:
            fmt = _fallback(pixels)
            name = f"{image.file.field.upload_to}{_stem(new_file_for)}.{_EXT[fmt]}"
            image.file = storage.save(name, _encode(pixels, fmt))  # a name: nothing to upload
            image.width, image.height = pixels.size
        image.renditions = _renditions(image, pixels)
        image.save()
    except BaseException:
        _delete(storage, [n for n in picture_files(image) if n not in before])
        raise
    gone = [n for n in before if n not in picture_files(image)]  # a storage may reuse a name
    transaction.on_commit(lambda: _delete(storage, gone))


def add_picture(
    *, product: Product, file, alt: str = "", position: int | None = None
) -> ProductImage:
    """Store a picture of `product`: checked, re-encoded, with its renditions; last unless a
    position is given.

    Raises:
        ValidationError: the file is not an acceptable picture (see `check_upload`).
    """
    pixels = clean_pixels(check_upload(file).image)
    if position is None:
        last = product.images.aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + 1
    image = ProductImage(product=product, alt=alt, position=position)
    _store(image, pixels, new_file_for=product.slug)
    return image


def replace_picture(*, image: ProductImage, file) -> ProductImage:
    """Give a stored picture a new file (checked, re-encoded, with renditions); the old
    files go once the transaction commits.

    Raises:
        ValidationError: the file is not an acceptable picture (see `check_upload`).
    """
    pixels = clean_pixels(check_upload(file).image)
    _store(image, pixels, new_file_for=image.product.slug)
    return image


def make_renditions(image: ProductImage) -> None:
    """(Re)build a stored picture's renditions from its file. A file never checked (from
    before pictures were: its row has no width) is checked and re-encoded first.

    Raises:
        ValidationError: the stored file is not an acceptable picture (an old SVG).
    """
    with image.file.open("rb") as stored:
        pixels = clean_pixels(check_upload(stored).image)
    _store(image, pixels, new_file_for="" if image.width else image.file.name)


def picture_files(image: ProductImage) -> list[str]:
    """The names of a picture's files in storage: the picture and its renditions."""
    names = [image.file.name] if image.file.name else []
    for entry in image.renditions.values():
        names += [name for name in entry["webp"] + entry["fallback"] if name not in names]
    return names


def delete_files(sender, instance: ProductImage, **kwargs) -> None:
    """post_delete receiver (catalog/apps.py): a deleted picture's files go once the deletion
    commits, whatever deleted it (the admin, a product deleted with its pictures)."""
    storage, names = instance.file.storage, picture_files(instance)
    transaction.on_commit(lambda: _delete(storage, names))


def _delete(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # the row is gone either way; an orphaned file is only disk space
            log.warning("Could not delete the picture file %s", name, exc_info=True)


def picture_urls(image: ProductImage, size: str) -> dict:
    """What an <img> of `image` in the `size` box needs, from the row alone (no query, no
    file access): width, height, url, srcset (empty without a 2x), webp_url, webp_srcset
    and type. A picture without renditions yet is its own file drawn at the box's size."""
    box = SIZES[size]
    entry = image.renditions.get(size)
    if not entry:
        url = image.file.url
        return {"width": box[0], "height": box[1], "url": url, "srcset": "", "webp_url": "",
                "webp_srcset": "", "type": ""}  # fmt: skip
    fallback = [image.file.storage.url(name) for name in entry["fallback"]]
    webp = [image.file.storage.url(name) for name in entry["webp"]]
    return {
        "width": entry["width"],
        "height": entry["height"],
        "url": fallback[0],
        "srcset": _srcset(fallback) if len(fallback) > 1 else "",
        "webp_url": webp[0],
        "webp_srcset": _srcset(webp),
        "type": entry["type"],
    }


def rendition_urls(image: ProductImage) -> dict[str, dict]:
    """Every size of `image` at 1x, for the API: {size: {width, height, url, webp_url}},
    from the row alone (a picture without renditions yet: its file at the box's size)."""
    url = image.file.storage.url
    sizes = {}
    for size, box in SIZES.items():
        entry = image.renditions.get(size)
        if entry:
            sizes[size] = {
                "width": entry["width"],
                "height": entry["height"],
                "url": url(entry["fallback"][0]),
                "webp_url": url(entry["webp"][0]),
            }
        else:
            sizes[size] = {"width": box[0], "height": box[1], "url": url(image.file.name)}
            sizes[size]["webp_url"] = None
    return sizes


def _srcset(urls: list[str]) -> str:
    return ", ".join(f"{url} {density}x" for density, url in enumerate(urls, start=1))
