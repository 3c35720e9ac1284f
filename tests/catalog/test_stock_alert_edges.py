"""Who gets the low-stock email by default: staff who may change the catalog's products, not
staff holding a permission of the same codename that another app (or a removed one) defines."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from catalog.stock_alerts import recipients
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_change_product_permission_of_another_app_does_not_make_a_recipient(settings):
    settings.STAFF_ALERT_EMAILS = []
    removed_app = ContentType.objects.create(app_label="legacy", model="product")
    theirs = Permission.objects.create(
        codename="change_product", name="Can change product", content_type=removed_app
    )
    StaffFactory(email="direct@example.com", permissions=[]).user_permissions.add(theirs)
    group = Group.objects.create(name="Legacy")
    group.permissions.add(theirs)
    StaffFactory(email="grouped@example.com", permissions=[]).groups.add(group)
    StaffFactory(email="editor@example.com", permissions=["catalog.change_product"])
    outsiders = get_user_model().objects.filter(
        email__in=["direct@example.com", "grouped@example.com"]
    )
    assert not any(user.has_perm("catalog.change_product") for user in outsiders)
    assert recipients() == ["editor@example.com"]
