"""Test pictures built in memory with Pillow, and uploads of them."""

import struct
import zlib
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, PngImagePlugin

GPS = 0x8825  # the EXIF GPS IFD
ORIENTATION = 0x0112


def png(width=800, height=600, colour=(200, 60, 40), *, alpha=False, text: str = "") -> bytes:
    """A PNG; half transparent with `alpha`; with a tEXt chunk holding `text`."""
    image = Image.new("RGBA" if alpha else "RGB", (width, height), colour)
    if alpha:
        image.putalpha(128)
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    out = BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg(width=800, height=600, *, gps: bool = False, orientation: int = 1) -> bytes:
    """A JPEG whose left half is red, with an sRGB ICC profile and EXIF: its orientation and,
    with `gps`, a location."""
    image = Image.new("RGB", (width, height), (20, 120, 200))
    image.paste((220, 30, 30), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[ORIENTATION] = orientation
    if gps:
        exif[GPS] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    out = BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=icc)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A real decompression bomb: a 1-bit PNG of width × height, a few kB of zlib'd zeros."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then the row's bits
    data = zlib.compress(row * height, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    ihdr, idat, iend = chunk(b"IHDR", header), chunk(b"IDAT", data), chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + ihdr + idat + iend


def upload(data: bytes, name: str = "picture.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)
