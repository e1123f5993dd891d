"""Factories for tests: synthetic records (Faker en_AU), one practice at a time."""

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from faker import Faker

from careloop.audit.models import AuditEvent
from careloop.clients.models import Client
from careloop.directory.models import Doctor, MedicalPractice
from careloop.enquiries.models import Enquiry
from careloop.lib import synthetic
from careloop.lib.env import object_storage_settings
from careloop.practices.models import ClinicianProfile, Practice, Profession, Role, User
from careloop.referrals.models import Referral, ReferralDocument
from careloop.therapy.models import TherapySession

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test-only
fake = Faker("en_AU")
rng = random.Random(4)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@cache
def password_hash() -> str:
    # Argon2 is deliberately slow; hash once for the whole run.
    return make_password(PASSWORD)


def make_practice(slug: str, **fields) -> Practice:
    fields.setdefault("name", f"{slug.title()} Psychology")
    fields.setdefault("abn", synthetic.abn(rng))
    return Practice.objects.create(slug=slug, **fields)


def make_user(practice, role=Role.CLINICIAN, *, profession=None, email=None, **fields) -> User:
    user = User.objects.create(
        email=email or f"{role}.{rng.randint(0, 10**9)}@{practice.slug if practice else 'x'}.test",
        full_name=fields.pop("full_name", fake.name()),
        practice=practice,
        role=role,
        password=password_hash(),
        **fields,
    )
    if profession or role == Role.CLINICIAN:
        ClinicianProfile.objects.create(
            user=user,
            profession=profession or Profession.PSYCHOLOGIST,
            provider_number=synthetic.provider_number(rng),
        )
    return user


def make_medical_practice(practice, **fields) -> MedicalPractice:
    fields.setdefault("name", f"{fake.city()} Medical Centre")
    fields.setdefault("suburb", "Neutral Bay")
    fields.setdefault("state", "NSW")
    fields.setdefault("postcode", "2089")
    return MedicalPractice.objects.create(practice=practice, **fields)


def make_doctor(practice, medical_practices=(), **fields) -> Doctor:
    fields.setdefault("given_name", fake.first_name())
    fields.setdefault("family_name", fake.last_name())
    fields.setdefault("provider_number", synthetic.provider_number(rng))
    doctor = Doctor.objects.create(practice=practice, **fields)
    if medical_practices:
        doctor.medical_practices.set(medical_practices)
    return doctor


def make_client(practice, **fields) -> Client:
    fields.setdefault("given_name", fake.first_name())
    fields.setdefault("family_name", fake.last_name())
    fields.setdefault("date_of_birth", date(1990, 1, 1) + timedelta(days=rng.randint(0, 9000)))
    fields.setdefault("medicare_number", synthetic.medicare_number(rng))
    fields.setdefault("medicare_irn", 1)
    return Client.objects.create(practice=practice, **fields)


def make_referral(practice, client=None, doctor=None, **fields) -> Referral:
    client = client or make_client(practice)
    fields.setdefault("referral_date", timezone.localdate() - timedelta(days=10))
    fields.setdefault("sessions_referred", 6)
    fields.setdefault("received_at", timezone.now() - timedelta(days=9))
    return Referral.objects.create(
        practice=practice,
        client=client,
        referring_doctor=doctor if doctor is not None else make_doctor(practice),
        **fields,
    )


def make_document(referral, content=PDF_BYTES, *, practice=None) -> ReferralDocument:
    """A referral's letter; with `referral=None` (and the practice), an uploaded letter
    waiting to be typed."""
    from django.core.files.base import ContentFile

    document = ReferralDocument(
        practice=practice or referral.practice,
        referral=referral,
        original_name="referral.pdf",
        content_type="application/pdf",
        size=len(content),
    )
    document.file.save(f"{document.uuid}.pdf", ContentFile(content), save=False)
    document.save()
    return document


def make_session(practice, client=None, clinician=None, **fields) -> TherapySession:
    client = client or make_client(practice)
    fields.setdefault("starts_at", timezone.now() - timedelta(days=3))
    return TherapySession.objects.create(
        practice=practice,
        client=client,
        clinician=clinician or make_user(practice, Role.CLINICIAN),
        **fields,
    )


def make_enquiry(practice, **fields) -> Enquiry:
    defaults = {
        "name": fake.name(),
        "email": fake.email(),
        "phone": "0491 570 156",
        "looking_for": "Help with anxiety at work",
        "consent_given_at": timezone.now(),
    }
    return Enquiry.objects.create(practice=practice, **{**defaults, **fields})


def make_audit_event(practice, actor=None, client=None) -> AuditEvent:
    client = client or make_client(practice)
    return AuditEvent.objects.create(
        practice=practice,
        actor=actor,
        actor_label="test",
        action="view",
        object_type="client",
        object_uuid=client.uuid,
        object_label=str(client),
        client_uuid=client.uuid,
    )


def aware(year, month, day, hour=10, minute=0, tz="Australia/Sydney") -> datetime:
    import zoneinfo

    return datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(tz))


# The tests' local S3 server (moto, started by the `s3_server` fixture) takes any keys.
S3_REGION = "ap-southeast-2"
S3_ACCESS_KEY = "careloop-test"
S3_SECRET_KEY = "careloop-test-secret"  # noqa: S105 - the local test server's


@dataclass
class ObjectStore:
    """A bucket on the tests' local S3 server, and a client to look inside it."""

    endpoint_url: str
    bucket: str
    s3: Any

    def names(self) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def storage_settings(self) -> dict:
        """STORAGES["default"] for this bucket, as CARELOOP_S3_* would make it."""
        return object_storage_settings(
            self.bucket,
            endpoint_url=self.endpoint_url,
            region=S3_REGION,
            access_key=S3_ACCESS_KEY,
            secret_key=S3_SECRET_KEY,
        )

    def storage(self):
        from storages.backends.s3 import S3Storage

        return S3Storage(**self.storage_settings()["OPTIONS"])


def new_bucket(endpoint_url: str) -> ObjectStore:
    """A new, empty bucket on the local S3 server at `endpoint_url`."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
    )
    bucket = f"careloop-test-{secrets.token_hex(6)}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    return ObjectStore(endpoint_url, bucket, s3)


def reference_data() -> None:
    """A transactional test empties every table when it ends, the reference data that
    the migrations load too; the demo needs it."""
    import importlib

    from django.apps import apps

    from careloop.entitlements.models import MbsItem
    from careloop.practices.models import Niche

    if not Niche.objects.exists():
        importlib.import_module("careloop.practices.migrations.0002_seed_niches").add_niches(
            apps, None
        )
    if not MbsItem.objects.exists():
        importlib.import_module("careloop.entitlements.migrations.0002_load_item_table").load(
            apps, None
        )
