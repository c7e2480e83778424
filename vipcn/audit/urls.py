from django.urls import path

from vipcn.audit import sealing, views

app_name = "audit"
urlpatterns = [
    path("", views.access_log, name="log"),
    path("sealed/<int:candidate_pk>/", views.sealed_record, name="sealed_record"),
    # The Records Custodian's sealing procedure, and the auditor's list of it.
    path("sealing/", sealing.sealing, name="sealing"),
    path("sealing/<int:candidate_pk>/seal/", sealing.seal, name="seal"),
    path("sealing/<int:candidate_pk>/unseal/", sealing.unseal, name="unseal"),
    path("sealings/", sealing.sealing_events, name="sealing_events"),
    # Not a pk-like argument on purpose: an auditor's look is logged as an audit read only.
    path("<slug:object_type>/<int:key>/", views.object_audit, name="object"),
]
