from django.contrib import admin
from django.urls import include, path

from vulndesk.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("vulndesk.accounts.urls")),
    path("", include("vulndesk.desk.urls")),
]
