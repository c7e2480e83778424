"""A URL conf for security tests: the project's URLs plus two stand-in record pages, so the
tests show that pages nobody has written yet are covered by default."""

from django.http import HttpResponse
from django.urls import include, path

from vipcn.security.records import record_view
from vipcn.urls import handler403, handler404, handler500  # noqa: F401
from vipcn.urls import urlpatterns as project


def record_page(request, pk):
    return HttpResponse(f"record {pk}")


def letter_download(request, case_pk, pk):
    response = HttpResponse(b"%PDF-1.7 stand-in", content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="letter.pdf"'
    return response


probe = [
    # A page that declares its record (vipcn/security/records.py)...
    path("<int:pk>/", record_view(record_page, pk="case"), name="probe_detail"),
    # ...and one that forgot to: still logged, under its own name for the bare id.
    path("<int:case_pk>/letters/<int:pk>/", letter_download, name="probe_letter"),
]

urlpatterns = [path("probe-cases/", include((probe, "cases"), namespace="cases")), *project]
