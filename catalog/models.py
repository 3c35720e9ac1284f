"""Categories and products."""

from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.money import MAX_AMOUNT
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
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    # Multi-line text (core/text.py): the admin's form and the API's schema follow one rule.
    description = models.TextField(blank=True, max_length=5000, validators=[validate_multiline])
    # At most MAX_AMOUNT (what the column holds); the cart and checkout bound the totals.
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    stock = models.PositiveIntegerField(default=0)
    weight_grams = models.PositiveIntegerField(
        default=0, help_text="Shipping weight of one unit, in grams (for weight-banded shipping)."
    )
    tax_class = models.CharField(max_length=10, choices=TaxClass.choices, default=TaxClass.STANDARD)
    image = models.FileField(
        upload_to="products/",
        blank=True,
        validators=[FileExtensionValidator(["svg", "png", "jpg", "jpeg", "webp"])],
        help_text="An SVG, PNG, JPEG or WebP picture of the product.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]
        indexes = [models.Index(fields=["active", "-created_at"])]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    def get_absolute_url(self):
        return reverse("catalog:detail", args=[self.slug])

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def image_url(self) -> str | None:
        return self.image.url if self.image else None
