"""Reserved stock going back to the shelf, exactly once per unit."""

from django.db import transaction
from django.db.models import F

from cart.models import Coupon
from catalog.back_in_stock import notify_restocked
from catalog.models import Product
from orders.models import Order, OrderLine


def release_stock(order: Order) -> bool:
    """Give the order's reserved units back to stock, exactly once; False if already released.

    The `stock_released` flip is a conditional UPDATE, so concurrent callers cannot both
    release; units a refund already restocked (`OrderLine.restocked`) are not given twice.
    Whoever waits for a product back in stock is emailed (catalog/back_in_stock.py).
    """
    with transaction.atomic():
        if not Order.objects.filter(pk=order.pk, stock_released=False).update(stock_released=True):
            return False
        order.stock_released = True
        lines = OrderLine.objects.select_for_update().filter(order=order, product__isnull=False)
        restocked = []
        for line in sorted(lines, key=lambda ln: (ln.product_id, ln.pk)):
            units = line.quantity - line.restocked
            if units > 0:
                OrderLine.objects.filter(pk=line.pk).update(restocked=F("quantity"))
                Product.objects.filter(pk=line.product_id).update(stock=F("stock") + units)
                restocked.append(line.product_id)
        notify_restocked(restocked)
    return True


def give_coupon_back(order: Order) -> None:
    """A cancelled order did not use its coupon: count the use off (called once per cancel)."""
    if order.coupon_id:
        Coupon.objects.filter(pk=order.coupon_id, times_used__gt=0).update(
            times_used=F("times_used") - 1
        )
