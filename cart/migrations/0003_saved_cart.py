# The saved cart moves here from accounts (its table, renamed cart_savedcart, keeps every
# row): state only, see accounts/migrations/0003_saved_cart_moves_to_cart.py.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cart', '0002_coupon_window'),
        ('accounts', '0003_saved_cart_moves_to_cart'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SavedCart',
                    fields=[
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to=settings.AUTH_USER_MODEL)),
                        ('data', models.JSONField(default=dict)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                ),
            ],
        ),
    ]
