"""Steps the stories share, done as a person does them: through the page, by visible labels."""

from playwright.sync_api import Page

PASSWORD = "password"  # what tests.desk.factories.make_user gives everyone


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
