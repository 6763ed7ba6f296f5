"""The app's URLs plus the floor of the check-in benchmark: a bare Django view doing one
indexed read and one insert on the same database, with the same session login and CSRF
check as the real endpoint, so the difference is what the check-in logic costs."""

import json
import uuid

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from attendees.models import Enrollment, ScanEvent


@require_POST
@login_required
def floor(request):
    body = json.loads(request.body)
    scan = body["scans"][0]
    enrollment = (
        Enrollment.objects.filter(badge_token=scan["token"]).values_list("pk", flat=True).first()
    )
    ScanEvent.objects.create(
        nonce=uuid.uuid4(),
        token=scan["token"],
        session_id=scan["session"],
        enrollment_id=enrollment,
        device=body["device"],
        scanned_at=timezone.now(),
        result="present",
    )
    return JsonResponse({"results": [{"nonce": scan["nonce"], "result": "present"}]})


# The app's URLs by name, as ROOT_URLCONF names them: nothing imports config (the layers).
urlpatterns = [path("bench/floor", floor), path("", include("config.urls"))]
