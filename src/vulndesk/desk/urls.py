from django.contrib.auth import views as auth_views
from django.urls import path

from vulndesk.desk.views import (
    actions,
    backports,
    cvss,
    dashboard,
    fix_repo,
    fix_team,
    intake,
    lists,
    notices,
    projects,
    public,
    reporter,
    reports,
    team,
)

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("reports/", lists.report_list, name="report-list"),
    path("projects/", projects.project_list, name="project-list"),
    path("projects/<slug:slug>/settings/", projects.project_settings, name="project-settings"),
    path(
        "projects/<slug:slug>/settings/testing/",
        projects.project_testing,
        name="project-testing",
    ),
    path(
        "projects/<slug:slug>/settings/release-lines/",
        projects.release_line_add,
        name="release-line-add",
    ),
    path(
        "projects/<slug:slug>/settings/release-lines/<int:pk>/",
        projects.release_line_edit,
        name="release-line-edit",
    ),
    path("projects/<slug:slug>/team/", team.team, name="project-team"),
    path("projects/<slug:slug>/team/nominate/", team.nominate, name="project-team-nominate"),
    path(
        "projects/<slug:slug>/team/nominations/<int:pk>/",
        team.nomination,
        name="project-team-nomination",
    ),
    path("projects/<slug:slug>/team/step-down/", team.step_down, name="project-team-step-down"),
    path("projects/<slug:slug>/team/leave/", team.leave, name="project-team-leave"),
    path("projects/<slug:slug>/team/votes/", team.vote, name="project-team-vote"),
    path("projects/<slug:slug>/components/", team.project_components, name="project-components"),
    path(
        "reports/<slug:project>/<int:number>/component/",
        team.report_component,
        name="report-component",
    ),
    path("notices/", notices.notice_list, name="notice-list"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/acknowledge/", notices.notice_acknowledge, name="notice-acknowledge"),
    path("advisories/", public.advisory_list, name="advisory-list"),
    path("advisories/<slug:project>/<int:number>/", public.advisory_detail, name="advisory-detail"),
    path("r/<str:token>/", reporter.reporter_report, name="reporter-report"),
    path("r/<str:token>/messages/", reporter.reporter_message_add, name="reporter-message-add"),
    path("r/<str:token>/credit/", reporter.reporter_credit, name="reporter-credit"),
    path(
        "r/<str:token>/private-handling/",
        reporter.reporter_private_handling,
        name="reporter-private-handling",
    ),
    path("report/", intake.how_to_report, name="how-to-report"),
    path(".well-known/security.txt", intake.security_txt, name="security-txt"),
    path("report/<slug:project>/", intake.report_new, name="report-new"),
    path("reports/<slug:project>/<int:number>/", reports.report_detail, name="report-detail"),
    path(
        "reports/<slug:project>/<int:number>/transition/",
        actions.transition_report,
        name="report-transition",
    ),
    path("reports/<slug:project>/<int:number>/score/", actions.score, name="report-score"),
    path(
        "reports/<slug:project>/<int:number>/cvss-preview/",
        cvss.cvss_preview,
        name="report-cvss-preview",
    ),
    path("reports/<slug:project>/<int:number>/triage/", actions.triage, name="report-triage"),
    path(
        "reports/<slug:project>/<int:number>/duplicate/",
        actions.duplicate,
        name="report-duplicate",
    ),
    path(
        "reports/<slug:project>/<int:number>/reject/", actions.reject_report, name="report-reject"
    ),
    path(
        "reports/<slug:project>/<int:number>/affects/",
        actions.affect_add,
        name="report-affect-add",
    ),
    path(
        "reports/<slug:project>/<int:number>/affects/<int:affect>/remove/",
        actions.affect_remove,
        name="report-affect-remove",
    ),
    path(
        "reports/<slug:project>/<int:number>/comments/",
        actions.comment_add,
        name="report-comment-add",
    ),
    path(
        "reports/<slug:project>/<int:number>/reporter-messages/",
        actions.reporter_reply,
        name="report-reporter-reply",
    ),
    path(
        "reports/<slug:project>/<int:number>/attachments/<int:pk>/",
        reports.attachment_download,
        name="report-attachment",
    ),
    path(
        "reports/<slug:project>/<int:number>/reporter-links/revoke/",
        actions.reporter_links_revoke,
        name="report-reporter-links-revoke",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-exception/",
        actions.fix_exception,
        name="report-fix-exception",
    ),
    path(
        "reports/<slug:project>/<int:number>/private-handling/",
        actions.private_handling,
        name="report-private-handling",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-lead/",
        fix_team.fix_lead_assign,
        name="report-fix-lead-assign",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-team/invite/",
        fix_team.fix_team_invite,
        name="report-fix-team-invite",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-team/accept/",
        fix_team.fix_team_accept,
        name="report-fix-team-accept",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-team/member/",
        fix_team.fix_team_member,
        name="report-fix-team-member",
    ),
    path(
        "fix-team/accept/<str:token>/",
        fix_team.fix_team_accept_invite,
        name="fix-team-accept-invite",
    ),
    path(
        "reports/<slug:project>/<int:number>/backports/",
        backports.plan,
        name="report-backport-plan",
    ),
    path(
        "reports/<slug:project>/<int:number>/backports/<int:backport>/dry-run/",
        backports.dry_run,
        name="report-backport-dry-run",
    ),
    path(
        "reports/<slug:project>/<int:number>/backports/<int:backport>/execute/",
        backports.execute,
        name="report-backport-execute",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-repo/",
        fix_repo.link,
        name="report-fix-repo",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-repo/sync/",
        fix_repo.sync,
        name="report-fix-repo-sync",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-branches/<int:branch>/test/",
        fix_repo.run_tests,
        name="report-fix-branch-test",
    ),
    path(
        "reports/<slug:project>/<int:number>/fix-branches/<int:branch>/review/",
        fix_repo.review,
        name="report-fix-branch-review",
    ),
    path(
        "reports/<slug:project>/<int:number>/test-runs/<int:run>/log/",
        fix_repo.test_run_log,
        name="report-test-run-log",
    ),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
