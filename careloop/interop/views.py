from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .hl7v2.importer import import_text
from .hl7v2.parser import decode
from .models import GatewayToken

HL7_CONTENT_TYPE = "x-application/hl7-v2+er7; charset=utf-8"
MAX_BODY_BYTES = 25 * 1024 * 1024


@csrf_exempt  # a machine client authenticated by its bearer token, not a browser
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
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse(
            "The request is larger than 25 MB.\n", status=413, content_type="text/plain"
        )
    GatewayToken.objects.filter(pk=gateway.pk).update(last_used_at=timezone.now())
    results = import_text(decode(request.body), practice=gateway.practice, via="http")
    body = "\n".join(r.ack for r in results if r.ack)
    response = HttpResponse(body, content_type=HL7_CONTENT_TYPE)
    response["X-Careloop-Status"] = ",".join(r.status for r in results)
    return response
