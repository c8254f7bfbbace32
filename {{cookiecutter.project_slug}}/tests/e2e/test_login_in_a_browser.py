"""A person in a real browser: log in through the emulator's picker, see the profile, log out."""

import pytest

from tests.support.chromium import DESKTOP, PHONE
from tests.support.emulator import DEFAULT_PERSONA, admitted, personas

pytestmark = pytest.mark.browser
# Whom the browser logs in as: José (a name with an accent and an apostrophe), unless
# accounts/access.py refuses him.
PERSONA = "jose" if admitted("jose") else DEFAULT_PERSONA
NAME = personas()[PERSONA]["name"]


def shoot(page, screenshot_dir, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(screenshot_dir / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def pick(page, persona_name: str) -> None:
    page.get_by_label(persona_name).check()
    page.get_by_role("button", name="Continue").click()


def test_log_in_see_the_profile_and_log_out(page, app_url, screenshot_dir):
    page.goto(app_url)
    assert page.get_by_role("main").is_visible()
    shoot(page, screenshot_dir, "home")
    page.get_by_role("link", name="Log in with Singpass").click()
    page.wait_for_url("**/oauth/authorize**")
    shoot(page, screenshot_dir, "emulator-picker")
    pick(page, NAME)
    shoot(page, screenshot_dir, "emulator-consent")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{app_url}/profile")
    assert page.get_by_role("heading", name="Your profile").is_visible()
    assert page.get_by_text(NAME).first.is_visible()
    shoot(page, screenshot_dir, "profile")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{app_url}/logged-out")
    assert page.get_by_role("heading", name="You have logged out").is_visible()
    shoot(page, screenshot_dir, "logged-out")


def test_denying_consent_shows_the_error_page(page, app_url, screenshot_dir):
    page.goto(f"{app_url}/login")
    pick(page, "MARY LIM")
    page.get_by_role("button", name="Deny").click()
    assert page.get_by_role("heading", name="You did not log in").is_visible()
    assert page.get_by_role("link", name="Log in again").is_visible()
    shoot(page, screenshot_dir, "error")


def test_two_tabs_logging_in_at_once(chromium, person, app_url):
    context = chromium.new_context()
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):  # the profile page sends each tab to log in
        tab.goto(f"{app_url}/profile")
        tab.wait_for_url("**/oauth/authorize**")
    for tab in (first, second):
        pick(tab, NAME)
        tab.get_by_role("button", name="Approve").click()
        tab.wait_for_url(f"{app_url}/profile")
        assert tab.get_by_role("heading", name="Your profile").is_visible()
    context.close()


def test_the_login_works_by_keyboard_alone(page, app_url):
    page.goto(app_url)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Log in with Singpass"
    page.keyboard.press("Enter")
    page.wait_for_url("**/oauth/authorize**")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first persona
    for _ in range(list(personas()).index(PERSONA)):
        page.keyboard.press("ArrowDown")  # down the list to one accounts/access.py admits
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Approve").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{app_url}/profile")
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.get_by_text(NAME).first.is_visible()
