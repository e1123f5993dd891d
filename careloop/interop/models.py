import hashlib
import secrets

from django.db import models

from careloop.practices.scoping import PracticeOwned


class InboundMessage(PracticeOwned):
    """An accepted HL7 message: proof it was received once, and its ACK for a resend.

    The unique (practice, sender, control id) makes a re-sent message a duplicate
    rather than a second referral, even when two imports race.
    """

    sender = models.CharField(max_length=400, help_text="MSH-4 and MSH-3 of the sender.")
    control_id = models.CharField(max_length=200, help_text="MSH-10.")
    message_type = models.CharField(max_length=20)
    raw = models.TextField()
    ack = models.TextField()
    warnings = models.JSONField(default=list, blank=True)
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    received_via = models.CharField(max_length=10, default="file")
    # The sender's MSH-16. Those that ask get an RRI^I12 application acknowledgement
    # once the referral is accepted or declined (interop/hl7v2/rri.py), sent once.
    application_ack_type = models.CharField(max_length=2, blank=True)
    application_ack = models.TextField(blank=True)
    application_ack_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "sender", "control_id"], name="inbound_message_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.control_id} from {self.sender}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class GatewayToken(PracticeOwned):
    """A secret a messaging gateway presents to post HL7 messages for one practice.
    Only its hash is stored; the token is shown once, when it is made."""

    name = models.CharField(max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, practice, name: str) -> tuple["GatewayToken", str]:
        token = "clgw_" + secrets.token_urlsafe(32)
        return cls.objects.create(practice=practice, name=name, token_hash=_hash(token)), token

    @classmethod
    def authenticate(cls, token: str) -> "GatewayToken | None":
        return (
            cls.objects.select_related("practice")
            .filter(token_hash=_hash(token), revoked_at__isnull=True)
            .first()
        )
