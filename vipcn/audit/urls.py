from django.urls import path

from vipcn.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.access_log, name="log"),
    path("sealed/<int:candidate_pk>/", views.sealed_record, name="sealed_record"),
    # Not a pk-like argument on purpose: an auditor's look is logged as an audit read only.
    path("<slug:object_type>/<int:key>/", views.object_audit, name="object"),
]
