# The referral inbox's search: search_text, and its index (web/textsearch.py).

from django.db import migrations, models

from careloop.referrals.search import text_of
from careloop.web.textsearch import migration_operations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0008_received_and_by_client_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        *migration_operations("referrals", "Referral", text_of),
    ]
