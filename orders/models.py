"""Orders, their lines and audit events, payments and refunds, and the fake gateway's ledger."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django_countries.fields import CountryField

ZERO = Decimal("0.00")


def money_field(**kwargs):
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending payment"
        PAID = "paid", "Paid"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"
        CANCELLED = "cancelled", "Cancelled"
        SHIPPED = "shipped", "Shipped"

    number = models.CharField(max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    email = models.EmailField(max_length=254)
    # Written only by orders.states.move().
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)

    ship_name = models.CharField(max_length=100, blank=True)
    ship_street = models.CharField(max_length=200)
    ship_city = models.CharField(max_length=100)
    ship_zip = models.CharField(max_length=20)
    ship_country = CountryField()

    currency = models.CharField(max_length=3)
    subtotal = money_field()
    discount = money_field(default=ZERO)
    # A snapshot of the shipping chosen and of the tax (docs/PRICING.md): later edits to
    # methods and rates never change an order. total = subtotal − discount + shipping, plus
    # tax unless tax_included (then tax is the part of the total that is tax).
    shipping_method = models.ForeignKey(
        "pricing.ShippingMethod",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    shipping_method_name = models.CharField(max_length=100, blank=True)
    shipping = money_field(default=ZERO)
    shipping_tax = money_field(default=ZERO)
    tax = money_field(default=ZERO, help_text="All tax: the lines' and the shipping's.")
    tax_included = models.BooleanField(default=False)
    total = money_field()
    coupon = models.ForeignKey(
        "cart.Coupon", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    coupon_code = models.CharField(max_length=32, blank=True)

    amount_paid = money_field(default=ZERO)
    amount_refunded = money_field(default=ZERO)
    # Set by a conditional UPDATE while a charge is in flight, so only one pay runs at once.
    payment_claim = models.CharField(max_length=64, blank=True, db_index=True)
    payment_claimed_at = models.DateTimeField(null=True, blank=True)
    # Flipped once, by a conditional UPDATE, when the reserved stock goes back to the shelf.
    stock_released = models.BooleanField(default=False)

    # sha256 of (owner scope, Idempotency-Key or form token): a retried checkout finds its order.
    checkout_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    expires_at = models.DateTimeField(help_text="Unpaid orders are cancelled after this.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            # Guest orders joining a verified account (accounts/guest_orders.py): `iexact`
            # compares UPPER(email) on PostgreSQL.
            models.Index(Upper("email"), condition=Q(user__isnull=True), name="guest_order_email"),
            # The staff dashboard's sales by day (dashboard/figures.py): read from the index
            # alone, and only the days it shows (docs/PERFORMANCE.md).
            models.Index(fields=["created_at", "amount_paid"], name="order_created_paid"),
        ]
        # Checked by the admin's actions and views and by the staff API (docs/API.md).
        permissions = [
            ("ship_order", "Can ship order"),
            ("refund_order", "Can refund order"),
            ("cancel_order", "Can cancel order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(shipping__gte=0) & Q(tax__gte=0) & Q(shipping_tax__lte=F("tax")),
                name="order_shipping_and_tax_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=F("total")),
                name="order_paid_within_total",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount_paid")),
                name="order_refunds_within_payments",
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("orders:detail", args=[self.number])

    @property
    def amount_refundable(self) -> Decimal:
        return self.amount_paid - self.amount_refunded

    @property
    def shipping_address(self) -> dict:
        return {
            "name": self.ship_name,
            "street": self.ship_street,
            "city": self.ship_city,
            "zip": self.ship_zip,
            "country": self.ship_country.code,
        }


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", null=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    # A variant's line: `product` is the variant (its stock moved), `variant_of` its product,
    # `options` the option values when ordered, e.g. {"Size": "1 kg", "Grind": "whole"}.
    variant_of = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    unit_price = money_field()
    quantity = models.PositiveIntegerField()
    discount = money_field(default=ZERO, help_text="This line's share of the order's discount.")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=ZERO)
    tax = money_field(default=ZERO)
    # Units given back to stock by a refund with restock or a cancel (never above quantity).
    restocked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="orderline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(restocked__lte=F("quantity")), name="orderline_restock_within_quantity"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def label(self) -> str:
        """The name with a variant's values, e.g. "Coffee beans (1 kg, Ground)"."""
        values = ", ".join(str(value) for value in self.options.values())
        return f"{self.name} ({values})" if values else self.name


class OrderEvent(models.Model):
    """An audit row: who did what to an order, when and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, help_text="customer, staff, system, guest…")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.order} {self.action}"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending (sent to the gateway)"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown (reply lost; reconcile)"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    amount = money_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway = models.CharField(max_length=40)
    # The shop's reference sent to the gateway, so a lost reply can be looked up.
    reference = models.CharField(max_length=64, unique=True)
    gateway_charge_id = models.CharField(max_length=64, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="succeeded"), name="one_successful_payment"
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.status}"


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reference = models.CharField(max_length=64, unique=True)
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    restock = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.reference} {self.amount}"


class GatewayCharge(models.Model):
    """The fake gateway's own ledger (in the database, so every server process sees it)."""

    charge_id = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=64, unique=True, help_text="The shop's reference.")
    amount = money_field()
    currency = models.CharField(max_length=3)
    card_brand = models.CharField(max_length=20)
    card_last4 = models.CharField(max_length=4)
    refunded = money_field(default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded__gte=0) & Q(refunded__lte=F("amount")),
                name="gatewaycharge_refunds_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.charge_id} {self.amount}"


class SavedAddress(models.Model):
    """An address in a signed-in shopper's address book; at most one is their default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_addresses"
    )
    name = models.CharField(max_length=100, blank=True)
    street = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    zip = models.CharField(max_length=20)
    country = CountryField()
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "created_at", "id"]
        verbose_name_plural = "saved addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_address"
            ),
        ]

    def __str__(self):
        return f"{self.street}, {self.zip} {self.city}, {self.country.code}"

    def as_dict(self) -> dict:
        """The fields of a shipping address (orders.address.Address takes them)."""
        return {
            "name": self.name,
            "street": self.street,
            "city": self.city,
            "zip": self.zip,
            "country": self.country.code,
        }
