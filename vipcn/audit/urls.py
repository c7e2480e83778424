from django.urls import path

from vipcn.audit import sealing, views
from vipcn.security.records import record_view

app_name = "audit"
urlpatterns = [
    path("", views.access_log, name="log"),
    path(
        "sealed/<int:candidate_pk>/",
        record_view(views.sealed_record, candidate_pk="candidate"),
        name="sealed_record",
    ),
    # The Records Custodian's sealing procedure, and the auditor's list of it.
    path("sealing/", record_view(sealing.sealing), name="sealing"),
    path(
        "sealing/<int:candidate_pk>/seal/",
        record_view(sealing.seal, candidate_pk="candidate"),
        name="seal",
    ),
    path(
        "sealing/<int:candidate_pk>/unseal/",
        record_view(sealing.unseal, candidate_pk="candidate"),
        name="unseal",
    ),
    path("sealings/", record_view(sealing.sealing_events), name="sealing_events"),
    # Declares no record: an auditor's look is logged as an audit read only.
    path("<slug:object_type>/<int:key>/", record_view(views.object_audit), name="object"),
]
