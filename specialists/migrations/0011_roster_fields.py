import datetime

from django.db import migrations, models

import specialists.people.validators


def birth_dates_from_id_numbers(apps, schema_editor):
    """Specialists registered before the field: their birth date is the one their ID number carries
    (digits 7 to 14), so that a roster exported now and imported back changes nothing."""
    Specialist = apps.get_model("specialists", "Specialist")
    rows = []
    for specialist in Specialist.objects.exclude(id_number="").filter(birth_date__isnull=True).only("pk", "id_number"):
        number = specialist.id_number
        try:
            specialist.birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            continue
        rows.append(specialist)
    Specialist.objects.bulk_update(rows, ["birth_date"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('specialists', '0010_import_jobs'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='credit_code',
            field=models.CharField(blank=True, help_text='The 18-character unified social credit code (统一社会信用代码), when known.', max_length=18, validators=[specialists.people.validators.validate_credit_code], verbose_name='unified social credit code'),
        ),
        migrations.AddField(
            model_name='specialist',
            name='birth_date',
            field=models.DateField(blank=True, help_text='Read from the ID number when there is one.', null=True, verbose_name='date of birth'),
        ),
        migrations.AddField(
            model_name='specialist',
            name='education',
            field=models.CharField(blank=True, choices=[('doctorate', 'Doctoral degree'), ('master', "Master's degree"), ('bachelor', "Bachelor's degree"), ('college', 'Junior college'), ('secondary', 'Secondary vocational or high school'), ('other', 'Other')], max_length=12, verbose_name='education'),
        ),
        migrations.AddField(
            model_name='specialist',
            name='political_status',
            field=models.CharField(blank=True, choices=[('cpc_member', 'Member of the Communist Party of China'), ('cpc_probationary', 'Probationary member of the Communist Party of China'), ('cyl_member', 'Member of the Communist Youth League'), ('democratic_party', 'Member of a democratic party'), ('masses', 'No party affiliation')], max_length=20, verbose_name='political status'),
        ),
        migrations.AddField(
            model_name='specialist',
            name='withdrawn_on',
            field=models.DateField(blank=True, help_text='The last day served, for a withdrawn specialist.', null=True, verbose_name='withdrawn on'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.UniqueConstraint(condition=models.Q(('credit_code', ''), _negated=True), fields=('credit_code',), name='organisation_credit_code_unique', violation_error_message='An organisation with this credit code is already registered.'),
        ),
        migrations.RunPython(birth_dates_from_id_numbers, migrations.RunPython.noop),
    ]
