"""The division tree gains its province and prefecture-level city levels above the county-level units,
and each key industry belongs to a city.

Existing rows are kept: the province and city of every stored county-level unit are made from its
code (names from GB/T 2260 in villages/data/china/divisions.csv, else the code itself until an
import names them), and each key industry is given the city of its key county-level units or,
for a key industry of the whole city, the one city the stored units belong to.
"""

import csv
from pathlib import Path

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


# Read here rather than through app code, so that this migration keeps working whatever the code becomes.
DIVISIONS = Path(__file__).resolve().parent.parent / "data" / "china" / "divisions.csv"


def _known_names():
    with open(DIVISIONS, encoding="utf-8", newline="") as source:
        return {row["code"]: row["name"] for row in csv.DictReader(source)}


def provinces_and_cities_from_counties(apps, schema_editor):
    Province, City, County, Industry = (apps.get_model("villages", name) for name in ("Province", "City", "County", "Industry"))
    names = _known_names()
    cities = {}
    for county in County.objects.filter(city__isnull=True).order_by("code"):
        code = county.code[:4]
        if code not in cities:
            province, _created = Province.objects.get_or_create(code=code[:2], defaults={"name": names.get(code[:2], code[:2])})
            cities[code], _created = City.objects.get_or_create(
                code=code, defaults={"name": names.get(code, code), "province": province,
                                     "kind": "direct" if code[2:] in ("90",) else "city"},
            )
        county.city = cities[code]
        county.save(update_fields=["city"])
    only_city = City.objects.get() if City.objects.count() == 1 else None
    for industry in Industry.objects.filter(city__isnull=True):
        key = industry.key_counties.order_by("code").first()
        city = key.city if key is not None else only_city
        if city is None:
            raise RuntimeError(
                f"Key industry {industry.name!r} is key in no county-level unit and the stored units belong to "
                f"{City.objects.count()} cities: give it the city it belongs to before migrating."
            )
        industry.city = city
        industry.save(update_fields=["city"])


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0003_point_pairs_and_constraint_messages'),
    ]

    operations = [
        migrations.CreateModel(
            name='City',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('boundary', models.BinaryField(blank=True, null=True, verbose_name='boundary (WKB, EPSG:4490)')),
                ('code', models.CharField(max_length=4, unique=True, validators=[django.core.validators.RegexValidator('^[1-8]\\d{3}$', "A prefecture-level code is 4 digits: the province's code and 2 more, for example 3403.", code='city_code')], verbose_name='division code')),
                ('name', models.CharField(max_length=50, verbose_name='name')),
                ('kind', models.CharField(choices=[('city', 'Prefecture-level city'), ('prefecture', 'Prefecture'), ('autonomous', 'Autonomous prefecture'), ('league', 'League'), ('direct', 'County-level units administered directly')], default='city', max_length=12, verbose_name='kind')),
            ],
            options={
                'verbose_name': 'prefecture-level city',
                'verbose_name_plural': 'prefecture-level cities',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Province',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('boundary', models.BinaryField(blank=True, null=True, verbose_name='boundary (WKB, EPSG:4490)')),
                ('code', models.CharField(max_length=2, unique=True, validators=[django.core.validators.RegexValidator('^[1-8]\\d$', 'A province-level code is 2 digits (GB/T 2260), for example 34.', code='province_code')], verbose_name='division code')),
                ('name', models.CharField(max_length=50, unique=True, verbose_name='name')),
            ],
            options={
                'verbose_name': 'province',
                'verbose_name_plural': 'provinces',
                'ordering': ['code'],
            },
        ),
        migrations.AlterModelOptions(
            name='industry',
            options={'ordering': ['name', 'city'], 'verbose_name': 'key industry', 'verbose_name_plural': 'key industries'},
        ),
        migrations.AlterField(
            model_name='county',
            name='name',
            field=models.CharField(max_length=50, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='industry',
            name='key_counties',
            field=models.ManyToManyField(blank=True, help_text="County-level units of the industry's city.", related_name='key_industries', to='villages.county', verbose_name='key industry of county-level units'),
        ),
        migrations.AlterField(
            model_name='industry',
            name='name',
            field=models.CharField(max_length=50, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='county',
            name='city',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='counties', to='villages.city', verbose_name='prefecture-level city'),
        ),
        migrations.AddField(
            model_name='industry',
            name='city',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='industries', to='villages.city', verbose_name='prefecture-level city'),
        ),
        migrations.AddConstraint(
            model_name='county',
            constraint=models.UniqueConstraint(fields=('city', 'name'), name='county_name_once_per_city'),
        ),
        migrations.AddConstraint(
            model_name='industry',
            constraint=models.UniqueConstraint(fields=('city', 'name'), name='industry_name_once_per_city'),
        ),
        migrations.AddConstraint(
            model_name='province',
            constraint=models.CheckConstraint(condition=models.Q(('code__regex', '^[1-8][0-9]$')), name='province_code_2_digits'),
        ),
        migrations.AddField(
            model_name='city',
            name='province',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cities', to='villages.province', verbose_name='province'),
        ),
        migrations.AddConstraint(
            model_name='city',
            constraint=models.CheckConstraint(condition=models.Q(('code__regex', '^[1-8][0-9]{3}$')), name='city_code_4_digits'),
        ),
        migrations.RunPython(provinces_and_cities_from_counties, migrations.RunPython.noop),
    ]
