from django.db import migrations

NICHES = [
    ("youth", "Children and young people"),
    ("perinatal", "Perinatal and parenting"),
    ("eating-disorders", "Eating disorders"),
    ("trauma", "Trauma and PTSD"),
    ("couples", "Couples and relationships"),
    ("anxiety", "Anxiety"),
    ("depression", "Depression and mood"),
    ("neurodiversity", "ADHD and autism"),
    ("grief", "Grief and loss"),
    ("substance-use", "Alcohol and other drugs"),
    ("lgbtiqa", "LGBTIQA+ affirming care"),
    ("older-adults", "Older adults"),
]


def add_niches(apps, schema_editor):
    Niche = apps.get_model("practices", "Niche")
    for code, name in NICHES:
        Niche.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_initial")]
    operations = [migrations.RunPython(add_niches, migrations.RunPython.noop)]
