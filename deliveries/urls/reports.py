from django.urls import path

from deliveries.views import reports as views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.case_list_view, name="cases"),
    path("cases/export.csv", views.cases_export, name="cases_export"),
    path("candidates/export.csv", views.candidates_export, name="candidates_export"),
    path("exports/", views.export_history, name="exports"),
    path("outcomes/", views.outcomes_after_cn, name="outcomes"),
    path("compliance/", views.compliance_view, name="compliance"),
    path("compliance/audit.csv", views.compliance_csv, name="compliance_csv"),
    path("compliance/audit.pdf", views.compliance_pdf, name="compliance_pdf"),
    path("transparency/", views.transparency_view, name="transparency"),
    path("transparency/report.csv", views.transparency_csv, name="transparency_csv"),
]
