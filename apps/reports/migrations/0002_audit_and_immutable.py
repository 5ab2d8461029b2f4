"""Audit the reports tables that record evidence, and keep the signed report immutable in the database.

``reports_refuse_change()`` raises on UPDATE and DELETE of a signed report row, whoever asks.
"""

from django.db import migrations

from apps.audit.sql import AuditTrigger

INSTALL = """
CREATE OR REPLACE FUNCTION reports_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a signed report cannot be changed or deleted: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER reports_signedreport_immutable BEFORE UPDATE OR DELETE ON reports_signedreport
    FOR EACH ROW EXECUTE FUNCTION reports_refuse_change();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS reports_signedreport_immutable ON reports_signedreport;
DROP FUNCTION IF EXISTS reports_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("audit", "0002_triggers")]

    operations = [
        AuditTrigger("reports_signedreport", poc_column="poc_id", exclude=("content",)),
        migrations.RunSQL(INSTALL, UNINSTALL),
    ]
