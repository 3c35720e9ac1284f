# The saved cart belongs to the cart app (cart.SavedCart): the table is renamed to
# cart_savedcart here and the model is taken over by cart/migrations/0003_saved_cart.py.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_saved_cart'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name='savedcart', table='cart_savedcart'),
            ],
            state_operations=[
                migrations.DeleteModel(name='SavedCart'),
            ],
        ),
    ]
