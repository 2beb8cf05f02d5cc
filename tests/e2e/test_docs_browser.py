"""The interactive docs in a real browser, on a machine without internet: Swagger UI
loads from the server alone (no request leaves it), says how to sign in, shows its
sections in a reader's order with an example on every request body, signs in through
the password flow and calls the API; ReDoc loads as well."""

import os
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.servers import migrated_with_admin, running_server

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("EMPORIUM_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("EMPORIUM_TEST_CHROMIUM"):
            pytest.fail(message)
        pytest.skip(message + "; set EMPORIUM_TEST_CHROMIUM to require it")
    return CHROMIUM


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = os.environ | {
        "EMPORIUM_SECRET_KEY": "a-browser-test-key-that-is-long-enough",
        "EMPORIUM_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
    }
    migrated_with_admin(env, tmp_path, "ops-pass1")
    with running_server(env, tmp_path) as (base, _):
        yield base


def test_swagger_ui_signs_in_and_calls_the_api_offline(chromium: str, server: str) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    elsewhere: list[str] = []

    def only_this_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == urlsplit(server).netloc:
            route.continue_()
        else:  # a CDN, say: the machine has no internet, so neither does the test
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            page = browser.new_page()
            page.route("**/*", only_this_server)
            page.goto(server)  # / leads to the docs
            assert page.url == f"{server}/docs"
            expect(page.locator(".info .version").first).to_contain_text(version("emporium"))
            sections = page.locator("h3.opblock-tag")
            expect(sections.first).to_have_attribute("data-tag", "auth")
            names = [section.get_attribute("data-tag") for section in sections.all()]
            assert names == ["auth", "users", "products", "orders", "webhooks", "operations"]
            expect(page.locator(".opblock-tag-section").first).to_contain_text("the username")

            # Every request body has a readable example, the order's address too.
            place = page.locator("#operations-orders-place_order")
            place.locator(".opblock-summary").click()
            expect(place.locator(".body-param__example")).to_contain_text("12 St James Square")
            place.locator(".opblock-summary").click()

            page.locator("button.authorize").first.click()
            expect(page.locator(".auth-container").first).to_contain_text("email")
            page.locator("#oauth_username").fill("ops@example.com")
            page.locator("#oauth_password").fill("ops-pass1")
            page.locator(".auth-btn-wrapper button.authorize").click()
            expect(page.locator(".auth-container")).to_contain_text("Authorized")
            page.locator("button.btn-done").click()

            operation = page.locator("#operations-users-read_me")
            operation.locator(".opblock-summary").click()
            operation.locator("button.try-out__btn").click()
            operation.locator("button.execute").click()
            status = operation.locator(".live-responses-table tbody .response-col_status").first
            expect(status).to_contain_text("200", timeout=10_000)
            expect(operation.locator(".live-responses-table")).to_contain_text("ops@example.com")

            page.goto(f"{server}/redoc")
            expect(page.locator("h1").first).to_contain_text("Emporium", timeout=10_000)
        finally:
            browser.close()
    assert elsewhere == []
