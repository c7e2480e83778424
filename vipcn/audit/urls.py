from django.urls import path

from vipcn.audit import views
from vipcn.security.records import record_view

app_name = "audit"
urlpatterns = [
    path("", views.access_log, name="log"),
    path(
        "sealed/<int:candidate_pk>/",
        record_view(views.sealed_record, candidate_pk="candidate"),
        name="sealed_record",
    ),
    # Declares no record: an auditor's look is logged as an audit read only.
    path("<slug:object_type>/<int:key>/", record_view(views.object_audit), name="object"),
]
