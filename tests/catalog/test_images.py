"""Product pictures: checked by content, re-encoded, resized once, stored through the storage
API, shown without queries, uploaded in the admin (catalog/images.py)."""

from io import BytesIO, StringIO

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage, default_storage
from django.core.management import call_command
from django.template import Context, Template
from PIL import Image

from catalog.admin_pictures import ProductImageInline
from catalog.images import add_picture, check_upload, picture_files
from catalog.models import Product, ProductImage
from tests.catalog.pictures import GPS, jpeg, png, png_bomb, upload
from tests.factories import ProductFactory, coffee_beans

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def stored(name: str) -> Image.Image:
    with default_storage.open(name) as file:
        image = Image.open(BytesIO(file.read()))
        image.load()
    return image


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name) as file:
        return file.read()


def media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# Checked by content


def test_a_png_is_stored_re_encoded_without_its_text_chunk_or_trailing_bytes():
    data = png(text="secret payload") + b"<script>hidden payload</script>"
    image = add_picture(product=ProductFactory(), file=upload(data), alt="A red square")

    kept = stored(image.file.name)
    assert (kept.format, kept.size, kept.mode) == ("JPEG", (800, 600), "RGB")  # opaque: JPEG
    assert "Comment" not in kept.info
    raw = stored_bytes(image.file.name)
    assert b"secret payload" not in raw and b"hidden payload" not in raw
    assert (image.width, image.height, image.alt) == (800, 600, "A red square")
    assert kept.getpixel((400, 300)) == pytest.approx((200, 60, 40), abs=3)


def test_a_jpeg_loses_its_exif_and_location_and_is_turned_upright():
    data = jpeg(300, 200, gps=True, orientation=6)  # taken sideways: shown turned 90° clockwise
    original = Image.open(BytesIO(data))
    assert original.getexif().get_ifd(GPS) and original.info["icc_profile"]
    image = add_picture(product=ProductFactory(), file=upload(data, "photo.jpg", "image/jpeg"))

    kept = stored(image.file.name)
    assert kept.size == (200, 300) == (image.width, image.height)
    assert not kept.getexif() and "exif" not in kept.info and "icc_profile" not in kept.info
    # The red left half of the sensor is the top once upright.
    assert kept.getpixel((100, 40)) == pytest.approx((220, 30, 30), abs=12)
    assert kept.getpixel((100, 260)) == pytest.approx((20, 120, 200), abs=12)


def test_a_transparent_png_stays_a_png_with_its_alpha():
    image = add_picture(product=ProductFactory(), file=upload(png(alpha=True)))
    kept = stored(image.file.name)
    assert (kept.format, kept.mode, kept.getpixel((5, 5))[3]) == ("PNG", "RGBA", 128)
    assert image.renditions["card"]["type"] == "image/png"
    assert stored(image.renditions["card"]["fallback"][0]).format == "PNG"


@pytest.mark.parametrize(
    "data, name",
    [
        (b"just some text, not a picture", "picture.png"),
        (SVG, "logo.svg"),
        (SVG, "logo.png"),
        (b"<html><body>hello</body></html>", "page.jpg"),
        (png()[:200], "cut-short.png"),
    ],
)
def test_files_that_are_not_pictures_are_refused_whatever_their_name(settings, data, name):
    product = ProductFactory()
    with pytest.raises(ValidationError) as caught:
        add_picture(product=product, file=upload(data, name))
    assert caught.value.code == "not_a_picture"
    assert "Upload a JPEG, PNG, WebP or GIF picture" in caught.value.messages[0]
    assert not ProductImage.objects.exists() and media_files(settings) == []


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = png_bomb(20_000, 20_000)  # 400 million pixels in a few kB
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(bomb))
    assert caught.value.code in {"too_large", "too_many_pixels"}


def test_pillow_s_bomb_warning_is_an_error_even_past_our_own_limits(settings):
    settings.IMAGE_MAX_PIXELS, settings.IMAGE_MAX_SIDE = 10**10, 10**6  # let Pillow judge
    pillow_limit = Image.MAX_IMAGE_PIXELS
    bomb = png_bomb(10_000, 10_000)  # over MAX_IMAGE_PIXELS: a warning, not an error, in Pillow
    with pytest.raises(ValidationError) as caught:
        check_upload(upload(bomb))
    assert caught.value.messages == ["The picture has too many pixels."]
    assert pillow_limit == Image.MAX_IMAGE_PIXELS  # no global left changed


@pytest.mark.parametrize(
    "limits, message",
    [
        ({"IMAGE_MAX_BYTES": 1000}, "The file is larger than 0.001 MB."),
        ({"IMAGE_MAX_SIDE": 700}, "The picture is 800×600 pixels; at most 700 pixels"),
        ({"IMAGE_MAX_PIXELS": 400_000}, "The picture has more than 0.4 million pixels."),
    ],
)
def test_pictures_past_the_limits_are_refused(settings, limits, message):
    for name, value in limits.items():
        setattr(settings, name, value)
    data = jpeg(800, 600)
    assert len(data) > 1000
    with pytest.raises(ValidationError) as caught:
        add_picture(product=ProductFactory(), file=upload(data, "big.jpg", "image/jpeg"))
    assert caught.value.messages[0].startswith(message)
    assert not ProductImage.objects.exists()


def test_sixteen_bit_grey_and_cmyk_pictures_are_stored_as_rgb():
    grey = BytesIO()
    Image.new("I;16", (60, 40), 32768).save(grey, "PNG")  # mid grey in 16 bits
    cmyk = BytesIO()
    Image.new("CMYK", (60, 40), (0, 255, 255, 0)).save(cmyk, "JPEG")  # red in print colours
    product = ProductFactory()
    grey_image = add_picture(product=product, file=upload(grey.getvalue()))
    cmyk_image = add_picture(product=product, file=upload(cmyk.getvalue(), "p.jpg"))
    assert stored(grey_image.file.name).getpixel((30, 20)) == pytest.approx((128,) * 3, abs=3)
    kept = stored(cmyk_image.file.name)
    assert kept.mode == "RGB" and kept.getpixel((30, 20)) == pytest.approx((255, 0, 0), abs=8)


def test_webp_and_gif_are_accepted_and_stored_as_jpeg():
    for fmt in ("WEBP", "GIF"):
        out = BytesIO()
        Image.new("RGB", (320, 240), (10, 200, 10)).save(out, fmt)
        image = add_picture(product=ProductFactory(), file=upload(out.getvalue(), "p"))
        assert (stored(image.file.name).format, image.width, image.height) == ("JPEG", 320, 240)


# Renditions


def sizes(image: ProductImage) -> dict:
    """Each rendition's files as (format, width, height), read back from storage."""
    return {
        size: [
            [(lambda i: (i.format, i.width, i.height))(stored(name)) for name in entry[kind]]
            for kind in ("webp", "fallback")
        ]
        for size, entry in image.renditions.items()
    }


def test_renditions_fit_each_box_at_1x_and_2x_where_the_original_is_big_enough():
    image = add_picture(product=ProductFactory(), file=upload(png(800, 600)))
    assert sizes(image) == {
        "card": [
            [("WEBP", 240, 180), ("WEBP", 480, 360)],
            [("JPEG", 240, 180), ("JPEG", 480, 360)],
        ],
        "product": [[("WEBP", 480, 360)], [("JPEG", 480, 360)]],  # 800 < 960: no 2x
        "cart": [[("WEBP", 64, 48), ("WEBP", 128, 96)], [("JPEG", 64, 48), ("JPEG", 128, 96)]],
        "admin": [[("WEBP", 100, 75), ("WEBP", 200, 150)], [("JPEG", 100, 75), ("JPEG", 200, 150)]],
    }
    card = image.renditions["card"]
    assert (card["width"], card["height"], card["type"]) == (240, 180, "image/jpeg")
    assert all(name.startswith("products/renditions/") for name in card["webp"] + card["fallback"])


def test_renditions_keep_the_proportions_and_are_never_enlarged():
    tall = add_picture(product=ProductFactory(), file=upload(png(300, 900)))
    assert sizes(tall)["card"] == [[("WEBP", 60, 180), ("WEBP", 120, 360)]] + [
        [("JPEG", 60, 180), ("JPEG", 120, 360)]
    ]
    tiny = add_picture(product=ProductFactory(), file=upload(png(50, 40)))
    for files in sizes(tiny).values():
        assert files == [[("WEBP", 50, 40)], [("JPEG", 50, 40)]]  # its own size, 1x only


def test_pictures_go_through_the_configured_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    image = add_picture(product=ProductFactory(), file=upload(png()))
    assert isinstance(default_storage._wrapped, InMemoryStorage)
    names = picture_files(image)
    assert len(names) == 1 + 2 * 6  # the picture; 6 distinct rendition sizes in 2 formats
    assert all(default_storage.exists(name) for name in names)
    assert not settings.MEDIA_ROOT.exists() or media_files(settings) == []


def test_a_new_picture_goes_last_unless_placed():
    product = ProductFactory()
    first = add_picture(product=product, file=upload(png(80, 60)))
    second = add_picture(product=product, file=upload(png(80, 60)))
    front = add_picture(product=product, file=upload(png(80, 60)), position=0)
    assert [(p.position) for p in (first, second, front)] == [0, 1, 0]
    assert list(product.images.all()) == [first, front, second]


def test_deleting_a_picture_or_its_product_removes_the_files(django_capture_on_commit_callbacks):
    product = ProductFactory()
    one = add_picture(product=product, file=upload(png()))
    two = add_picture(product=product, file=upload(png(alpha=True)))
    files_one, files_two = picture_files(one), picture_files(two)
    assert all(map(default_storage.exists, files_one + files_two))

    with django_capture_on_commit_callbacks(execute=True):
        one.delete()
    assert not any(map(default_storage.exists, files_one))
    assert all(map(default_storage.exists, files_two))

    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.filter(pk=product.pk).delete()
    assert not any(map(default_storage.exists, files_two))


def test_files_stay_when_the_deletion_rolls_back(django_capture_on_commit_callbacks):
    image = add_picture(product=ProductFactory(), file=upload(png()))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        image.delete()
    assert len(callbacks) == 1  # runs only on commit
    assert all(map(default_storage.exists, picture_files(image)))


# The template tag


def test_the_picture_tag_draws_webp_then_fallback_with_size_and_srcset(
    django_assert_num_queries, monkeypatch
):
    product = ProductFactory()
    for _ in range(3):
        add_picture(product=product, file=upload(png()), alt="Red square")
    pictures = list(ProductImage.objects.all())
    for method in ("open", "exists", "size", "listdir", "path"):  # no file access either
        monkeypatch.setattr(FileSystemStorage, method, lambda *a, **k: pytest.fail("file access"))
    template = Template(
        '{% load pictures %}{% for p in pictures %}{% picture p "card" lazy=True %}{% endfor %}'
        '{% picture none "card" %}{% picture pictures.0 "product" alt="Other words" %}'
    )
    with django_assert_num_queries(0):
        html = template.render(Context({"pictures": pictures, "none": None}))

    card = pictures[0].renditions["card"]
    webp, fallback = (["/media/" + name for name in card[kind]] for kind in ("webp", "fallback"))
    assert (
        f'<picture><source type="image/webp" srcset="{webp[0]} 1x, {webp[1]} 2x">'
        f'<img src="{fallback[0]}" srcset="{fallback[0]} 1x, {fallback[1]} 2x" width="240" '
        'height="180" alt="Red square" loading="lazy" decoding="async"></picture>'
    ) in html
    assert html.count("<picture>") == 4
    product_pic = pictures[0].renditions["product"]
    assert (
        f'<img src="/media/{product_pic["fallback"][0]}" width="480" height="360" '
        'alt="Other words" decoding="async">'
    ) in html  # no 2x: no srcset on the img


def test_a_picture_without_renditions_is_its_file_drawn_at_the_box_size():
    old = ProductImage.objects.create(product=ProductFactory(), file="products/pear.svg", alt="")
    html = Template('{% load pictures %}{% picture p "card" alt="Pear" %}').render(
        Context({"p": old})
    )
    img = (
        '<img src="/media/products/pear.svg" width="240" height="180" alt="Pear" decoding="async">'
    )
    assert html == img


# The management command


def test_make_renditions_re_encodes_old_pictures_and_skips_what_is_not_one(
    settings, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    png_name = default_storage.save("products/apple.png", ContentFile(png(text="old secret")))
    svg_name = default_storage.save("products/pear.svg", ContentFile(SVG))
    old_png = ProductImage.objects.create(product=product, file=png_name, alt="Apple")
    old_svg = ProductImage.objects.create(product=product, file=svg_name, alt="Pear")

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("make_renditions", stdout=out)

    old_png.refresh_from_db()
    old_svg.refresh_from_db()
    assert old_png.file.name.startswith("products/apple-") and old_png.file.name.endswith(".jpg")
    assert (old_png.width, old_png.height) == (800, 600) and set(old_png.renditions) == {
        "card",
        "product",
        "cart",
        "admin",
    }
    assert not default_storage.exists(png_name)  # replaced by its re-encoded copy
    assert b"old secret" not in stored_bytes(old_png.file.name)
    assert (old_svg.file.name, old_svg.renditions, old_svg.width) == (svg_name, {}, 0)
    assert default_storage.exists(svg_name)
    assert f"skipped {svg_name} (picture {old_svg.pk})" in out.getvalue()
    assert "1 picture(s) done, 1 skipped." in out.getvalue()

    files = media_files(settings)
    again = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("make_renditions", stdout=again)
    assert "0 picture(s) done, 1 skipped." in again.getvalue()
    assert media_files(settings) == files
    assert ProductImage.objects.get(pk=old_png.pk).renditions == old_png.renditions


# The admin


@pytest.fixture
def picture_inline(monkeypatch):
    """The product admin with the pictures inline, whether catalog/admin.py lists it yet or not."""
    product_admin = type(admin.site._registry[Product])
    get_inlines = product_admin.get_inlines

    def with_pictures(self, request, obj):
        inlines = list(get_inlines(self, request, obj))
        return inlines if ProductImageInline in inlines else [ProductImageInline, *inlines]

    monkeypatch.setattr(product_admin, "get_inlines", with_pictures)


def change_form(client, product) -> tuple[str, dict]:
    """The product's change page URL and what it posts back unchanged (no extra inline rows)."""
    url = f"/admin/catalog/product/{product.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data, forms = {}, [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = dict(formset.management_form.initial)
        management["TOTAL_FORMS"] = management["INITIAL_FORMS"]
        data |= {f"{formset.prefix}-{key}": value for key, value in management.items()}
        forms += formset.initial_forms
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False or hasattr(value, "url"):
                continue  # unset, unticked, or a stored file (kept when none is posted)
            data[field.html_name] = "on" if value is True else value
    return url, data


def with_new_picture(data: dict, file, alt: str = "") -> dict:
    row = int(data["images-TOTAL_FORMS"])
    return {
        **data,
        "images-TOTAL_FORMS": str(row + 1),
        f"images-{row}-file": file,
        f"images-{row}-alt": alt,
        f"images-{row}-position": "0",
    }


@pytest.mark.parametrize(
    "data, name",
    [(b"not a picture", "fake.png"), (SVG, "logo.svg"), (png_bomb(20_000, 20_000), "b.png")],
)
def test_a_bad_upload_in_the_product_admin_is_a_form_error(
    admin_client, picture_inline, settings, data, name
):
    product = ProductFactory()
    url, form = change_form(admin_client, product)
    response = admin_client.post(url, with_new_picture(form, upload(data, name), "Bad"))
    assert response.status_code == 200
    [pictures] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is ProductImage
    ]
    errors = pictures.errors
    assert any("file" in row for row in errors)
    html = response.content.decode()
    assert "Upload a JPEG, PNG, WebP or GIF picture" in html or "pixels" in html
    assert not ProductImage.objects.exists() and media_files(settings) == []


def test_a_good_upload_in_the_product_admin_is_re_encoded_with_renditions(
    admin_client, picture_inline, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    url, form = change_form(admin_client, product)
    photo = upload(jpeg(1200, 900, gps=True), "holiday.jpg", "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, with_new_picture(form, photo, "Our pear"))
    assert response.status_code == 302, response.context and response.context["errors"]

    [image] = product.images.all()
    assert (image.alt, image.width, image.height) == ("Our pear", 1200, 900)
    assert image.file.name.startswith(f"products/{product.slug}-")
    assert not stored(image.file.name).getexif()
    assert sizes(image)["product"][0] == [("WEBP", 480, 360), ("WEBP", 960, 720)]

    page = admin_client.get(url).content.decode()  # the row shows its admin thumbnail
    assert f'src="/media/{image.renditions["admin"]["fallback"][0]}"' in page

    # A new file for the row replaces the old one and its renditions.
    old_files = picture_files(image)
    url, form = change_form(admin_client, product)
    form["images-0-file"] = upload(png(400, 300), "new.png")
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, form).status_code == 302
    image.refresh_from_db()
    assert (image.width, image.height, image.alt) == (400, 300, "Our pear")
    assert not any(map(default_storage.exists, old_files))
    assert all(map(default_storage.exists, picture_files(image)))


def test_the_product_page_shows_the_chosen_variant_s_own_picture_else_the_main_one(client):
    beans, variants = coffee_beans()
    main = add_picture(product=beans, file=upload(png(80, 60)), alt="A bag of beans")
    big_bag = add_picture(product=beans, file=upload(png(80, 60)), alt="The 1 kg bag")
    Product.objects.filter(pk=variants["1 kg", "Whole"].pk).update(picture=big_bag)

    def shown(query: str) -> str:
        html = client.get(f"/products/{beans.slug}/{query}").content.decode()
        return html.split('class="product-media"', 1)[1].split("</picture>", 1)[0]

    assert 'alt="The 1 kg bag"' in shown("?option1=1+kg&option2=Whole")
    assert 'alt="A bag of beans"' in shown("?option1=1+kg&option2=Ground")  # no picture of its own
    assert main.renditions["product"]["fallback"][0] in shown("")
