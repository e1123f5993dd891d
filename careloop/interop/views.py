from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from careloop.lib.bodylimit import guard_body
from careloop.practices.scoping import in_scope_of

from .hl7v2.ack import build_ack
from .hl7v2.importer import MAX_BODY_BYTES, import_text
from .hl7v2.parser import APPLICATION_ERROR, Problem, decode
from .models import GatewayToken

HL7_CONTENT_TYPE = "x-application/hl7-v2+er7; charset=utf-8"
_TOO_LARGE = (
    f"The request is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB, the most this "
    "server accepts in one request: send the messages one at a time, or with smaller "
    "attachments."
)


def _too_large(request) -> HttpResponse:
    """An AR acknowledgement, so the gateway records why; the body is never read, so
    it cannot echo the message's control id."""
    problem = Problem("AR", _TOO_LARGE, "MSH", 1, 0, APPLICATION_ERROR)
    return HttpResponse(
        build_ack(None, "AR", _TOO_LARGE, [problem]), status=413, content_type=HL7_CONTENT_TYPE
    )


def _gateway_practice(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    gateway = GatewayToken.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    return gateway.practice_id if gateway else None


@login_not_required  # the bearer token below is its authentication
@csrf_exempt  # a machine client authenticated by its bearer token, not a browser
@guard_body(max_bytes=MAX_BODY_BYTES, too_large=_too_large)
@in_scope_of(_gateway_practice)
def hl7_inbound(request):
    """A messaging gateway posts one or more HL7 messages; the body of the answer is
    the ACK of each, in order. The token decides the receiving practice."""
    if request.method != "POST":
        response = HttpResponse("POST HL7 messages here.\n", status=405, content_type="text/plain")
        response["Allow"] = "POST"
        return response
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    gateway = GatewayToken.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if gateway is None:
        response = HttpResponse(
            "A valid gateway token is required.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="careloop-hl7"'
        return response
    # Read the stream directly: request.body would apply Django's general 2.5 MB
    # DATA_UPLOAD_MAX_MEMORY_SIZE, far below what a scanned letter needs.
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _too_large(request)
    GatewayToken.objects.filter(pk=gateway.pk).update(last_used_at=timezone.now())
    results = import_text(decode(body), practice=gateway.practice, via="http")
    acks = "\n".join(r.ack for r in results if r.ack)
    response = HttpResponse(acks, content_type=HL7_CONTENT_TYPE)
    response["X-Careloop-Status"] = ",".join(r.status for r in results)
    return response
