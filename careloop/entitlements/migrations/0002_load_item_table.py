from django.db import migrations


def load(apps, schema_editor):
    # The item table shipped with Careloop (BETTER_ACCESS.md §3); practices reload it
    # with `careloop load_mbs_items` when the schedule changes. Fees are not shipped:
    # they are loaded per period with `careloop load_mbs_fees`.
    import csv

    from careloop.entitlements.schedule import ITEMS_CSV

    MbsItem = apps.get_model("entitlements", "MbsItem")
    rows = list(csv.DictReader(ITEMS_CSV.open()))
    MbsItem.objects.bulk_create([
        MbsItem(item=r["item"], profession=r["profession"], session_type=r["session_type"],
                setting=r["setting"], min_minutes=int(r["min_minutes"]),
                max_minutes=int(r["max_minutes"]) if r["max_minutes"] else None,
                valid_from=r["valid_from"] or None, valid_to=r["valid_to"] or None,
                confidence=r["confidence"], source=r["source"])
        for r in rows
    ])


class Migration(migrations.Migration):
    dependencies = [("entitlements", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
