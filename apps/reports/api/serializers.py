from rest_framework import serializers

STATUSES = ("queued", "running", "done", "failed")


class ReportExportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=STATUSES)
    progress = serializers.IntegerField()
    signed = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    error = serializers.CharField(required=False, help_text="Why the report could not be made (failed only)")
    sha256 = serializers.CharField(required=False, help_text="SHA-256 of the PDF (done only)")
    download = serializers.CharField(required=False, help_text="Where to download the PDF (done only)")


class ReportVerifyRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The PDF to check against the signed report")


class ReportVerifySerializer(serializers.Serializer):
    match = serializers.BooleanField(help_text="True when the file is the signed report of this PoC")
    sha256 = serializers.CharField()
    signed_sha256 = serializers.CharField(allow_null=True)
    signed = serializers.BooleanField(help_text="Whether the PoC has a signed report at all")
