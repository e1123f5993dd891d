# The client list's search: search_text, and its index (web/textsearch.py).

from django.db import migrations, models

from careloop.clients.search import text_of
from careloop.web.textsearch import migration_operations


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_client_search_family_client_search_given_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        *migration_operations("clients", "Client", text_of),
    ]
