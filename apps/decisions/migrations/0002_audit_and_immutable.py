"""Audit every decisions table, and make the signed record immutable in the database itself.

``decisions_refuse_change()`` raises on UPDATE and DELETE of a decision, signature or snapshot row,
whoever asks (the application's role, the owner, raw SQL); only TRUNCATE, which the test runner
uses to empty tables, is not a row operation.
"""

from django.db import migrations

from apps.audit.sql import AuditTrigger

FINAL_TABLES = ("decisions_decision", "decisions_signature", "decisions_snapshot")

INSTALL = """
CREATE OR REPLACE FUNCTION decisions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a signed decision cannot be changed or deleted: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
""" + "".join(
    f"""
CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION decisions_refuse_change();
"""
    for table in FINAL_TABLES
)

UNINSTALL = "".join(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};\n" for table in FINAL_TABLES) + (
    "DROP FUNCTION IF EXISTS decisions_refuse_change();\n"
)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial"), ("audit", "0002_triggers")]

    operations = [
        AuditTrigger("decisions_decisionrequest", poc_column="poc_id"),
        AuditTrigger("decisions_decision", poc_column="poc_id"),
        AuditTrigger("decisions_signature", poc_column="poc_id"),
        AuditTrigger("decisions_snapshot", poc_column="poc_id"),
        AuditTrigger("decisions_signattempt", poc_column="poc_id"),
        migrations.RunSQL(INSTALL, UNINSTALL),
    ]
