"""Coupons, and carts saved against accounts (the cart itself lives in the session)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.money import MAX_AMOUNT

# A coupon's amounts fit the money columns (and so every order's total).
AMOUNT_BOUNDS = [MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)]


class Coupon(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", "Percent off"
        FIXED = "fixed", "Fixed amount off"

    code = models.CharField(max_length=32, unique=True, help_text="Stored in upper case.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(max_digits=10, decimal_places=2, validators=AMOUNT_BOUNDS)
    active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    times_used = models.PositiveIntegerField(default=0)
    min_subtotal = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=AMOUNT_BOUNDS
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="coupon_used_within_limit",
            ),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100), name="coupon_percent_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="coupon_ends_after_it_starts",
                violation_error_message="The coupon must end after it starts.",
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    def clean(self):
        # Upper-case before the form's unique check, so "save10" clashes with "SAVE10".
        self.code = (self.code or "").strip().upper()
        if self.value is not None and self.value <= 0:
            raise ValidationError({"value": "A coupon must take something off."})
        if self.kind == self.Kind.PERCENT and self.value is not None and self.value > 100:
            raise ValidationError({"value": "A percentage can be at most 100."})
        # The admin's form leaves times_used out (read-only), so Django skips the
        # coupon_used_within_limit constraint there: check it here.
        if self.usage_limit is not None and self.usage_limit < self.times_used:
            raise ValidationError(
                {
                    "usage_limit": f"The coupon has already been used {self.times_used} times: "
                    "the limit cannot be lower."
                }
            )


class SavedCart(models.Model):
    """A signed-in shopper's cart, kept against the account (same shape as the session's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"cart of user {self.user_id}"
