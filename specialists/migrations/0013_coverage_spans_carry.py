"""Coverage spans carry their village's code and name (the gap lists read the spans alone), each
active specialist's load is kept as spans (the overloaded check reads a few rows), and each town's
count of administrative villages is kept (the tallies read it instead of counting every span): all
filled here."""

import datetime
from itertools import groupby

import django.db.models.deletion
from django.db import migrations, models

# A pure function of the assignments' ranges, the one the rebuild uses.
from specialists.coverage.spans import load_spans_of

CARRY = """
UPDATE specialists_villagecoveragespan
   SET village_code = (SELECT v.code FROM villages_village v WHERE v.id = specialists_villagecoveragespan.village_id),
       village_name = (SELECT v.name FROM villages_village v WHERE v.id = specialists_villagecoveragespan.village_id)
"""

COUNT = """
INSERT INTO specialists_townvillagecount (town_id, county_id, villages)
SELECT v.town_id, t.county_id, COUNT(*)
  FROM villages_village v JOIN villages_town t ON t.id = v.town_id
 WHERE v.kind = 'village'
 GROUP BY v.town_id, t.county_id
"""


def fill_loads(apps, schema_editor):
    VillageAssignment = apps.get_model("specialists", "VillageAssignment")
    SpecialistLoadSpan = apps.get_model("specialists", "SpecialistLoadSpan")
    rows = VillageAssignment.objects.filter(specialist__status="active").order_by("specialist_id").values_list(
        "specialist_id", "village_id", "start_date", "end_date",
    )
    batch = []
    for specialist_id, ranges in groupby(list(rows), key=lambda row: row[0]):
        for start, end, villages in load_spans_of([row[1:] for row in ranges]):
            batch.append(SpecialistLoadSpan(specialist_id=specialist_id, start_date=start, end_date=end or datetime.date.max, villages=villages))
        if len(batch) >= 20_000:
            SpecialistLoadSpan.objects.bulk_create(batch)
            batch = []
    SpecialistLoadSpan.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('specialists', '0012_list_orderings'),
        ('villages', '0005_every_county_and_industry_in_a_city'),
    ]

    operations = [
        migrations.AddField(
            model_name='villagecoveragespan',
            name='village_code',
            field=models.CharField(default='', max_length=12, verbose_name='village code'),
        ),
        migrations.AddField(
            model_name='villagecoveragespan',
            name='village_name',
            field=models.CharField(default='', max_length=50, verbose_name='village name'),
        ),
        migrations.CreateModel(
            name='SpecialistLoadSpan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start_date', models.DateField(verbose_name='start date')),
                ('end_date', models.DateField(verbose_name='end date')),
                ('villages', models.PositiveIntegerField(verbose_name='villages served')),
                ('specialist', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='specialists.specialist', verbose_name='specialist')),
            ],
            options={
                'verbose_name': 'specialist load span',
                'verbose_name_plural': 'specialist load spans',
                'ordering': ['specialist', 'start_date'],
                'indexes': [models.Index(fields=['villages', 'end_date', 'start_date', 'specialist'], name='load_span_over_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('end_date__gte', models.F('start_date'))), name='load_span_dates_ordered'), models.UniqueConstraint(fields=('specialist', 'start_date'), name='load_span_one_per_start')],
            },
        ),
        migrations.CreateModel(
            name='TownVillageCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('villages', models.PositiveIntegerField(verbose_name='administrative villages')),
                ('county', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='villages.county', verbose_name='county-level unit')),
                ('town', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='villages.town', verbose_name='town')),
            ],
            options={
                'verbose_name': 'town village count',
                'verbose_name_plural': 'town village counts',
                'ordering': ['town'],
            },
        ),
        migrations.RunSQL(CARRY, migrations.RunSQL.noop),
        migrations.RunSQL(COUNT, migrations.RunSQL.noop),
        migrations.RunPython(fill_loads, migrations.RunPython.noop),
    ]
