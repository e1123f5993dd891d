from django.db import transaction
from django.utils import timezone

from careloop.audit.actions import record_change
from careloop.web.records import save_practice_record

from .models import ReferralDocument


def save_referral(form, *, request):
    """Save a referral and its attached letter together: both or neither."""
    with transaction.atomic():
        if form.instance.pk is None and form.instance.received_at is None:
            form.instance.received_at = timezone.now()
        referral = save_practice_record(form, request=request, client_of=lambda obj: obj.client)
        uploaded = form.cleaned_data.get("document")
        if uploaded:
            attach_document(referral, uploaded, kind=form.document_kind, request=request)
    return referral


def attach_document(referral, uploaded, *, kind, request) -> ReferralDocument:
    document = ReferralDocument(
        practice=referral.practice,
        referral=referral,
        original_name=uploaded.name[:200],
        content_type=kind.content_type,
        size=uploaded.size,
        uploaded_by=request.user,
    )
    document.file.save(f"{document.uuid}{kind.extension}", uploaded, save=False)
    document.save()
    record_change(request, document, client=referral.client, created=True)
    return document
