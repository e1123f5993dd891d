"""The database itself refuses to delete audit rows, whatever code or raw SQL runs.

0003 already refuses UPDATE. A client may ask who has seen their record, so a row
that could be deleted quietly would make that answer worthless. On PostgreSQL
TRUNCATE is refused too, since it removes rows without firing row triggers.

The test suite empties its database between transactional tests by lifting these
triggers inside the same transaction as the flush (careloop/conftest.py), using the
statements below.
"""

from django.db import migrations

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_auditevent_refuse_delete() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only'; END;
$$ LANGUAGE plpgsql;
"""

# vendor -> trigger name -> (create, drop)
GUARDS = {
    "sqlite": {
        "audit_auditevent_no_delete": (
            """
            CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
            """,
            "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;",
        ),
    },
    "postgresql": {
        "audit_auditevent_no_delete": (
            """
            CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
            FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_delete();
            """,
            "DROP TRIGGER IF EXISTS audit_auditevent_no_delete ON audit_auditevent;",
        ),
        "audit_auditevent_no_truncate": (
            """
            CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent
            FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_refuse_delete();
            """,
            "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;",
        ),
    },
}


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
    for create, _drop in GUARDS.get(vendor, {}).values():
        schema_editor.execute(create)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for _create, drop in GUARDS.get(vendor, {}).values():
        schema_editor.execute(drop)
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_auditevent_refuse_delete();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_forbid_updates")]
    operations = [migrations.RunPython(forward, backward)]
