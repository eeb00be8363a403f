from django.urls import path

from vulndesk.accounts import views

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/two-factor/", views.two_factor_verify, name="two-factor-verify"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("account/tokens/", views.api_tokens, name="api-tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        views.revoke_api_token,
        name="api-token-revoke",
    ),
    path("account/calendars/", views.calendar_feeds, name="calendar-feeds"),
    path(
        "account/calendars/<int:feed_id>/revoke/",
        views.revoke_calendar_feed,
        name="calendar-feed-revoke",
    ),
]
