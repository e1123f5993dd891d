# The doctor and medical-practice lists' search: search_text, and its index
# (web/textsearch.py).

from django.db import migrations, models

from careloop.directory.search import doctor_text, medical_practice_text
from careloop.web.textsearch import migration_operations


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_doctor_search_family_doctor_search_given_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="doctor",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="medicalpractice",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        *migration_operations("directory", "Doctor", doctor_text),
        *migration_operations("directory", "MedicalPractice", medical_practice_text),
    ]
