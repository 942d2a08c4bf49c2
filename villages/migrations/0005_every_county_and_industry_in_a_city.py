"""Every county-level unit and key industry has its city (0004 gave the stored ones theirs).

Apart from 0004: on PostgreSQL, altering a table in the transaction that updated its rows fails
with pending trigger events."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0004_division_tree'),
    ]

    operations = [
        migrations.AlterField(
            model_name='county',
            name='city',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='counties', to='villages.city', verbose_name='prefecture-level city'),
        ),
        migrations.AlterField(
            model_name='industry',
            name='city',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='industries', to='villages.city', verbose_name='prefecture-level city'),
        ),
    ]
