"""Shipping methods (with zones and weight bands) and tax rates per country and tax class."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from catalog.models import TaxClass
from core.money import MAX_AMOUNT

AMOUNT_BOUNDS = [MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)]


def money_field(**kwargs):
    return models.DecimalField(max_digits=10, decimal_places=2, validators=AMOUNT_BOUNDS, **kwargs)


class ShippingMethod(models.Model):
    name = models.CharField(max_length=100)
    price = money_field(help_text="What delivery costs, in the same terms as catalog prices.")
    free_over = money_field(
        null=True,
        blank=True,
        help_text="Free when the goods come to at least this, after the discount. Empty: never.",
    )
    all_countries = models.BooleanField(default=False, help_text="Serves every country.")
    countries = CountryField(
        multiple=True, blank=True, help_text="The countries served, unless all countries are."
    )
    tax_class = models.CharField(
        max_length=10,
        choices=TaxClass.choices,
        default=TaxClass.STANDARD,
        help_text="Shipping is taxed at this class's rate of the destination.",
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="shippingmethod_price_not_negative"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if not self.all_countries and not self.countries:
            raise ValidationError(
                {"countries": "Choose the countries served, or tick “All countries”."}
            )

    def serves(self, country: str) -> bool:
        return self.all_countries or country in self.countries


class ShippingBand(models.Model):
    """A price for carts weighing more than the band below and at most `up_to_grams`."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="bands")
    up_to_grams = models.PositiveIntegerField(help_text="Upper bound of the band, inclusive.")
    price = money_field()

    class Meta:
        ordering = ["up_to_grams"]
        constraints = [
            models.UniqueConstraint(fields=["method", "up_to_grams"], name="one_band_per_bound"),
        ]

    def __str__(self):
        return f"≤ {self.up_to_grams} g: {self.price}"


class TaxRate(models.Model):
    country = CountryField()
    tax_class = models.CharField(max_length=10, choices=TaxClass.choices, default=TaxClass.STANDARD)
    rate = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="Percent, e.g. 19 or 7.25.",
    )

    class Meta:
        ordering = ["country", "tax_class"]
        constraints = [
            models.UniqueConstraint(fields=["country", "tax_class"], name="one_rate_per_class"),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100), name="taxrate_between_0_and_100"
            ),
        ]

    def __str__(self):
        return f"{self.country.code} {self.get_tax_class_display()} {self.rate}%"
