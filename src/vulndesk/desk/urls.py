from django.contrib.auth import views as auth_views
from django.urls import path

from vulndesk.desk.views import reports

urlpatterns = [
    path("", reports.report_list, name="report-list"),
    path("reports/<slug:project>/<int:number>/", reports.report_detail, name="report-detail"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
