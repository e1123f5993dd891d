# Indexes for who to visit next (outreach/prospects.py): the medical practices in a box
# around the practice, and the doctors working at them. The second is on the table
# Django makes for Doctor.medical_practices, which has no Meta of its own: with it the
# doctors at two thousand medical practices are counted from the index alone.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_list_search_text"),
        ("practices", "0009_clinicianprofile_current_wait_days_and_more"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="medicalpractice",
            index=models.Index(
                fields=["practice", "latitude", "longitude"], name="medpractice_by_place"
            ),
        ),
        migrations.RunSQL(
            'CREATE INDEX "doctorlink_by_place" ON "directory_doctor_medical_practices" '
            '("medicalpractice_id", "doctor_id")',
            reverse_sql='DROP INDEX "doctorlink_by_place"',
        ),
    ]
