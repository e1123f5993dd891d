from django.db import models

from careloop.audit.labels import field_labels


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    # A client record disposed of after its retention period (records app).
    DISPOSE = "dispose", "Disposed of"


class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(models.QuerySet):
    def for_practice(self, practice):
        return self.filter(practice=practice)

    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who viewed or changed which client record, and when. Rows are never changed
    or deleted by the application (the privacy principles let a client ask who saw
    their record)."""

    practice = models.ForeignKey("practices.Practice", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(
        max_length=160, help_text="The actor's name and e-mail as they were at the time."
    )
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40)
    object_uuid = models.UUIDField()
    object_label = models.CharField(max_length=200)
    # The client the record is about, so a client's whole access history is one query.
    client_uuid = models.UUIDField(null=True, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Nullable so that adding it is a plain ALTER TABLE (on SQLite a table rebuild would
    # drop the append-only triggers).
    channel = models.CharField(
        max_length=30, null=True, blank=True, help_text="Staff app, a link, secure messaging…"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The owner's audit page: newest events of one practice.
            models.Index(fields=["practice", "-at"], name="audit_practice_recent"),
            # "Who has seen this client?" on the client's history.
            models.Index(fields=["practice", "client_uuid", "-at"], name="audit_client_history"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.get_action_display()} {self.object_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    @property
    def changed_field_labels(self) -> list[str]:
        return field_labels(self.object_type, self.changed_fields)
