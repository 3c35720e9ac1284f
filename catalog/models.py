"""Categories and products."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.money import MAX_AMOUNT, to_cents
from core.text import validate_multiline


class TaxClass(models.TextChoices):
    """Which of a country's tax rates applies (pricing.TaxRate holds the rates)."""

    STANDARD = "standard", "Standard"
    REDUCED = "reduced", "Reduced"
    ZERO = "zero", "Zero"


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Product(models.Model):
    """A product, or one variant of a product with options (oscar's parent and child products).

    A product without options is bought as itself. A product with options (`option1_name`,
    optionally `option2_name`, e.g. "Size" and "Grind") is never bought itself: its variants
    are, each a Product row with `parent` set, its own SKU, stock, weight, tax class and
    active flag, the values `option1`/`option2`, and a price or none (the product's). So
    stock is one column and one conditional UPDATE whatever is bought (orders/stock.py).
    """

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="variants",
        help_text="Set on a variant: the product it is an option of.",
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    # Multi-line text (core/text.py): the admin's form and the API's schema follow one rule.
    description = models.TextField(blank=True, max_length=5000, validators=[validate_multiline])
    # At most MAX_AMOUNT (what the column holds); the cart and checkout bound the totals.
    # Empty only on a variant: it then sells at its product's price.
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
        help_text="A variant without a price sells at its product's.",
    )
    stock = models.PositiveIntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Staff get one email when a sale takes the stock to or below this. "
        "Empty: the shop's default (the LOW_STOCK_THRESHOLD setting).",
    )
    weight_grams = models.PositiveIntegerField(
        default=0, help_text="Shipping weight of one unit, in grams (for weight-banded shipping)."
    )
    tax_class = models.CharField(max_length=10, choices=TaxClass.choices, default=TaxClass.STANDARD)
    option1_name = models.CharField(
        "first option", max_length=40, blank=True, help_text='A product with options: e.g. "Size".'
    )
    option2_name = models.CharField(
        "second option", max_length=40, blank=True, help_text='Optional: e.g. "Grind".'
    )
    option1 = models.CharField("value of the first option", max_length=40, blank=True)
    option2 = models.CharField("value of the second option", max_length=40, blank=True)
    picture = models.ForeignKey(
        "ProductImage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A variant's own picture (one of its product's); else the product's first.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(price__isnull=False) | Q(parent__isnull=False),
                name="product_price_unless_variant",
            ),
            models.UniqueConstraint(
                fields=["parent", "option1", "option2"],
                condition=Q(parent__isnull=False),
                name="variant_options_unique",
            ),
        ]
        indexes = [models.Index(fields=["active", "-created_at"])]

    def __str__(self):
        if self.parent_id:
            return f"{self.name} – {self.option_label} ({self.sku})"
        return f"{self.name} ({self.sku})"

    def get_absolute_url(self):
        return reverse("catalog:detail", args=[self.slug])

    def clean(self):
        if self.parent_id is None and self.price is None:
            raise ValidationError({"price": "A product needs a price (only variants may omit it)."})
        if self.option2_name and not self.option1_name:
            raise ValidationError({"option2_name": "Name the first option first."})

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def lowest_price(self) -> Decimal | None:
        """The cheapest price on sale (needs selectors.with_figures): a card's "from" price."""
        return None if self.price_from is None else to_cents(Decimal(self.price_from))

    @property
    def varies(self) -> bool:
        """Whether its variants on sale have different prices (needs with_figures)."""
        return self.price_from is not None and self.price_from != self.price_to

    @property
    def main_picture(self) -> "ProductImage | None":
        """The first picture (read from prefetched `images` where the page prefetched them)."""
        return next(iter(self.images.all()), None)

    def picture_of(self, variant: "Product | None") -> "ProductImage | None":
        """What to show for one of this product's variants (or for itself): the variant's
        own picture, else the main one (both among `images`)."""
        own = variant.picture_id if variant is not None else None
        pictures = list(self.images.all())
        return next((p for p in pictures if p.pk == own), None) or next(iter(pictures), None)

    @property
    def has_options(self) -> bool:
        return bool(self.option1_name)

    @property
    def option_names(self) -> list[str]:
        return [name for name in (self.option1_name, self.option2_name) if name]

    @property
    def option_values(self) -> list[str]:
        """A variant's values, in the order of its product's options."""
        return [value for value in (self.option1, self.option2) if value]

    @property
    def option_label(self) -> str:
        return " / ".join(self.option_values)


class VariantManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(parent__isnull=False)


class Variant(Product):
    """The variants alone (a proxy: the same rows), for the admin's list of them."""

    objects = VariantManager()

    class Meta:
        proxy = True

    def __str__(self):
        return f"{self.sku}: {self.option_label}"


class ProductImage(models.Model):
    """One picture of a product, checked and re-encoded on upload (catalog/images.py), with
    its renditions (the sizes the pages show, in WebP and JPEG or PNG) made once and stored.

    `renditions` maps a size name to its files: {"card": {"width": 240, "height": 180,
    "webp": [name 1x, name 2x], "fallback": [...]}, ...}, so a page shows any number of
    pictures from the rows alone (no query or file access per picture).
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="products/", max_length=200)
    alt = models.CharField(
        "alt text",
        max_length=200,
        blank=True,
        help_text="What the picture shows, for screen readers.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="The first is the main picture."
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    renditions = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt or self.file.name


class StockSubscription(models.Model):
    """A shopper's wish to hear, once, when a sold-out product or variant is back
    (catalog/back_in_stock.py): confirmed by a link for a guest, notified by one email."""

    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="stock_subscriptions",
        help_text="What is bought: a product without options, or a variant.",
    )
    email = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stock_subscriptions",
    )
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address was verified; empty until then."
    )
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the back-in-stock email was queued."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "email"], name="stock_subscription_unique")
        ]

    def __str__(self):
        return f"{self.email} → {self.product}"
