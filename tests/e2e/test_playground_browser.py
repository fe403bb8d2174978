"""The Agents Playground in a real browser: `make run`'s two processes, headless Chromium, a person.

The bot and the playground are started exactly as `make run` starts them (`python app.py migrate`,
then `python app.py dev`), on free ports, with a SQLite file in the test's directory. Playwright
then drives the playground's own page in the system Chromium as Priya Shah would: she opens the
chats, posts a request in the channel, fills the checklist and the 1:1 "new request" form, and
presses the card's buttons. Every assertion reads text on the page.

Priya's own "Acknowledge" gets the bot's refusal (only a MAP team manager may acknowledge). The
duty manager of this week (asked of the bot, never a fixed date) then opens a second playground
beside hers (`make demo-beside`, scripts/playground_as.py --beside: a restart would empty the
page, and the bot has no way to show an old card again), @mentions the bot in the channel so that
its next channel post goes to that page, and acknowledges and records the outcome of Priya's next
request on the card's own buttons and form. The playground opens no Teams dialog, so `app.py
dev` turns dialogs off (STEPUP_TEAMS_DIALOGS): "Provide details privately" then sends the form to
Priya's 1:1 chat and says so; the form there is the details step.

With STEPUP_PLAYGROUND_SHOTS=DIR the test also saves a screenshot of each step as
DIR/playground-<step>.png (scripts/playground_screenshots.py writes docs/img/ that way).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.harness import TEST_HMAC_KEY, TEST_KEY_RING
from tests.support.process import start_group, stop_group

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "node_modules" / ".bin" / "agentsplayground"
CHROMIUM = Path(os.environ.get("STEPUP_CHROMIUM", "/usr/bin/chromium"))
START_TIMEOUT = 60.0
STEP_TIMEOUT_MS = 20_000
SHOTS = os.environ.get("STEPUP_PLAYGROUND_SHOTS")
CHANNEL = "Northdown Early Help - FC/FSP Step Up Requests"


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the Agents Playground needs Node.js 22+ (make installs it)"
    if not TOOL.exists():
        return "node_modules/.bin/agentsplayground is missing: run `npm ci` (make run does)"
    if not CHROMIUM.exists():
        return f"Chromium is missing at {CHROMIUM}: apt-get install chromium (or STEPUP_CHROMIUM)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: reinstall the dev extra (make)"
    return None


MISSING = _missing()
pytestmark = [
    pytest.mark.playground,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

if MISSING is None:
    from playwright.async_api import Locator, Page, async_playwright, expect


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(tmp_path: Path, bot_port: int, playground_port: int) -> dict[str, str]:
    """`make run`'s environment, with the ports, the database and the keys of this test."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MicrosoftApp", "STEPUP_", "M365_AGENTS_PLAYGROUND_"))
    }
    env.update(
        {
            "STEPUP_MODE": "local",
            "PORT": str(bot_port),
            "TEAMSAPPTESTER_PORT": str(playground_port),  # the playground's -p default
            "DATABASE_URL": f"sqlite:///{tmp_path / 'stepup.db'}",
            "STEPUP_ENCRYPTION_KEYS": TEST_KEY_RING,
            "STEPUP_HMAC_KEY": TEST_HMAC_KEY,
            "STEPUP_PROFILE": str(ROOT / "profiles" / "demo.yaml"),
            # Not var/playground.pid: `make demo-as` must never find this test's playground
            "STEPUP_PLAYGROUND_PIDFILE": str(tmp_path / "playground.pid"),
        }
    )
    return env


@contextlib.contextmanager
def _make_run(tmp_path: Path) -> Iterator[str]:
    """`python app.py migrate` then `python app.py dev`; yields the playground's URL."""
    bot_port, playground_port = _free_port(), _free_port()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
    env = _environment(tmp_path, bot_port, playground_port)
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
    subprocess.run(  # noqa: S603 - our own CLI, no shell
        [python, "app.py", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    log = tmp_path / "dev.log"
    dev = start_group([python, "app.py", "dev"], ROOT, env, log)
    try:
        _wait_for(f"Listening on {playground_port}", log, dev)
        yield f"http://localhost:{playground_port}"
    finally:
        stop_group(dev)


def _wait_for(line: str, log: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if line in text and "bot.ready" in text:
            return
        if process.poll() is not None:
            raise AssertionError(f"`app.py dev` exited with {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"no {line!r} within {START_TIMEOUT}s:\n{text[-3000:]}")


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Page]:
    """The playground's page in headless Chromium, opened on its first screen."""
    with _make_run(tmp_path) as url:
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=str(CHROMIUM))
            try:
                opened = await browser.new_page(viewport={"width": 1280, "height": 800})
                opened.set_default_timeout(STEP_TIMEOUT_MS)
                expect.set_options(timeout=STEP_TIMEOUT_MS)
                await opened.goto(url)
                yield opened
            finally:
                await browser.close()


async def _shot(page: Page, step: str) -> None:
    """Save the page as playground-<step>.png when screenshots were asked for."""
    if SHOTS:
        await page.screenshot(path=str(Path(SHOTS) / f"playground-{step}.png"))


def _compose_box(page: Page) -> Locator:
    """The playground's message box (a card's own text inputs are textboxes too)."""
    return page.locator('[role="textbox"][contenteditable="true"]')


async def _post_in_channel(page: Page, text: str) -> None:
    """Type a new channel post that @mentions the bot (the playground sends nothing else)."""
    await _compose_box(page).click()
    await page.keyboard.type("@Step")
    await page.get_by_role("menuitem", name="Step Up Bot").click()
    await page.keyboard.type(f" {text}")


TICKS = (
    "Domestic abuse with risk to the child",
    "Management case supervision is recorded",
    "Evidence of the concerns and their impact is recorded",
    "All of this, with the rationale, is recorded on EHM",
)


async def _tick(card: Locator, *titles: str) -> None:
    """Tick each choice or toggle by the title a person reads beside it."""
    for title in titles:
        await card.get_by_text(title, exact=True).click()


def _card(page: Page, text: str) -> Locator:
    """The last adaptive card on the page that shows `text`."""
    return page.locator(".ac-adaptiveCard").filter(has_text=text).last


async def test_priya_posts_and_the_duty_manager_acknowledges_and_records_the_outcome(
    page: Page, tmp_path: Path
) -> None:
    # The 1:1 chat opens first: the bot's help.
    await expect(page.get_by_text("I help with step-up consultations.").first).to_be_visible()

    # General first, as in Teams: the welcome. Then the step-up channel.
    await page.get_by_role("treeitem", name="Northdown Early Help - General").click()
    await expect(page.get_by_text("Hello, I'm the Step Up Bot").first).to_be_visible()
    await page.get_by_role("treeitem", name=CHANNEL).click()

    # Priya posts a request, as she would type it.
    await _post_in_channel(
        page,
        "Step-up request from Priya Shah, priya.shah@northdown.gov.uk, "
        "Family Centre Riverside. Not urgent.",
    )
    await _shot(page, "post")
    await page.get_by_role("button", name="Post").click()

    # The request card appears in the channel with the service the post named.
    card = _card(page, "Step-up request SU-")
    await expect(card).to_contain_text("Waiting for acknowledgement")
    await expect(card).to_contain_text("Family Centre Riverside")
    await expect(card).to_contain_text("Standard")
    await expect(card.get_by_role("button", name="Acknowledge")).to_be_visible()
    await _shot(page, "card")
    first_reference = re.search(r"SU-\d{4}-\d{4}", await card.inner_text())
    assert first_reference is not None

    # The checklist was sent to her 1:1 chat: she ticks what is true and sends it.
    await page.get_by_role("treeitem", name="Personal Chat").click()
    checklist = _card(page, "Level 4 indicators")
    await expect(checklist).to_be_visible()
    await _tick(checklist, *TICKS)
    await _shot(page, "checklist")
    await checklist.get_by_role("button").last.click()
    # The bot answers with the request as it now stands: the checklist is on it.
    await expect(_card(page, first_reference.group(0))).to_contain_text("checklist confirmed")

    # The 1:1 "new request" form (issue 14: it must submit): service chosen by its name.
    await _compose_box(page).click()
    await page.keyboard.type("new request")
    await page.keyboard.press("Enter")
    form = _card(page, "New step-up consultation request")
    await form.get_by_role("combobox").click()
    await page.get_by_role("option", name="Family Centre Northgate").click()
    await _tick(form, *TICKS)
    await _shot(page, "form")
    await form.get_by_role("button", name="Post request").click()
    posted = page.get_by_text(
        re.compile(r"Request SU-\d{4}-\d{4} posted in FC/FSP Step Up Requests")
    )
    await expect(posted).to_be_visible()
    second_reference = re.search(r"SU-\d{4}-\d{4}", await posted.inner_text())
    assert second_reference is not None and second_reference.group(0) != first_reference.group(0)

    # ...and its card appears in the channel, under the service chosen on the form.
    await page.get_by_role("treeitem", name=CHANNEL).click()
    card = _card(page, f"Step-up request {second_reference.group(0)}")
    await expect(card).to_contain_text("Family Centre Northgate")
    await expect(card).to_contain_text("Waiting for acknowledgement")

    # Acknowledge: this page's user is Priya, a requester, so the bot refuses and says who can.
    await card.get_by_role("button", name="Acknowledge").click()
    refusal = "Only a MAP team manager or a MAP advanced practitioner can acknowledge a request."
    await expect(page.get_by_text(refusal)).to_be_visible()
    await page.get_by_text(refusal).scroll_into_view_if_needed()
    await expect(card).to_contain_text("Waiting for acknowledgement")
    await _shot(page, "acknowledge-refused")

    # Details: Teams would open a dialog (task/fetch); the playground cannot, so `app.py dev`
    # turns dialogs off and the button sends the form to Priya's 1:1 chat, saying so.
    await card.get_by_role("button", name="Provide details privately").click()
    where = page.get_by_text("is in your 1:1 chat with the bot (private): fill it in there.")
    await expect(where).to_be_visible()
    await where.scroll_into_view_if_needed()
    await _shot(page, "details-where")

    await _duty_manager_acknowledges_and_records_the_outcome(page, tmp_path)


async def _duty_manager_acknowledges_and_records_the_outcome(priya: Page, tmp_path: Path) -> None:
    # Who is on duty this week is the bot's answer (the rota alternates weekly).
    await priya.get_by_role("treeitem", name="Personal Chat").click()
    await _send_in_chat(priya, "who is on duty")
    duty_line = priya.get_by_text(re.compile(r"On duty this week: [A-Z][a-z]+ [A-Z][a-z]+")).last
    await expect(duty_line).to_be_visible()
    found = re.search(r"On duty this week: (\w+) (\w+)", await duty_line.inner_text())
    assert found is not None
    first_name, full_name = found.group(1), f"{found.group(1)} {found.group(2)}"

    with _playground_beside(tmp_path, first_name.lower()) as url:
        browser = priya.context.browser
        assert browser is not None
        manager = await browser.new_page(viewport={"width": 1280, "height": 800})
        manager.set_default_timeout(STEP_TIMEOUT_MS)
        await manager.goto(url)
        await expect(manager.get_by_text(full_name).first).to_be_visible()
        await expect(
            manager.get_by_text("I help with step-up consultations.").first
        ).to_be_visible()
        # Her own post in the channel makes this page the one the bot's channel posts go to.
        await manager.get_by_role("treeitem", name="Northdown Early Help - General").click()
        await manager.get_by_role("treeitem", name=CHANNEL).click()
        await _post_in_channel(manager, "who is on duty")
        await manager.get_by_role("button", name="Post").click()
        await expect(manager.get_by_text(f"On duty this week: {full_name}").first).to_be_visible()

        # Priya sends a new request from her 1:1 form; its card opens a thread in the channel.
        reference = await _new_request_from_the_form(priya)

        card = _card(manager, f"Step-up request {reference}")
        await expect(card).to_contain_text("Waiting for acknowledgement")
        await expect(card).to_contain_text(full_name)
        await card.get_by_role("button", name="Acknowledge").click()
        await expect(card).to_contain_text("Acknowledged: call-back due")
        await expect(card.get_by_role("button", name="Record outcome")).to_be_visible()
        await _shot(manager, "acknowledge")

        # The acknowledgement sends Priya the private details form, in her 1:1 chat.
        details = _card(priya, f"Case details for {reference} (private)")
        await expect(details).to_be_visible()
        await details.scroll_into_view_if_needed()
        await _shot(priya, "details")

        # The outcome: the card's own button turns it into the form (no dialog needed).
        await card.get_by_role("button", name="Record outcome").click()
        form = _card(manager, f"Record the outcome of {reference}")
        await _tick(form, "Threshold not met: Level 3 continues")
        await form.get_by_role("button", name="Record outcome").click()
        outcome = _card(manager, f"Step-up request {reference}")
        await expect(outcome).to_contain_text("Outcome recorded")
        await expect(outcome).to_contain_text("Threshold not met")
        await outcome.scroll_into_view_if_needed()
        await _shot(manager, "outcome")


async def _send_in_chat(page: Page, text: str) -> None:
    await _compose_box(page).click()
    await page.keyboard.type(text)
    await page.keyboard.press("Enter")


async def _new_request_from_the_form(page: Page) -> str:
    """Priya fills and posts the 1:1 "new request" form; returns the reference the bot gives."""
    posted = page.get_by_text(
        re.compile(r"Request SU-\d{4}-\d{4} posted in FC/FSP Step Up Requests")
    )
    before = await posted.count()  # the answers to her earlier forms are still on the page
    await _send_in_chat(page, "new request")
    form = _card(page, "New step-up consultation request")
    await form.get_by_role("combobox").click()
    await page.get_by_role("option", name="Family Centre Northgate").click()
    await _tick(form, *TICKS)
    await form.get_by_role("button", name="Post request").click()
    await expect(posted).to_have_count(before + 1)
    found = re.search(r"SU-\d{4}-\d{4}", await posted.last.inner_text())
    assert found is not None
    return found.group(0)


@contextlib.contextmanager
def _playground_beside(tmp_path: Path, user: str) -> Iterator[str]:
    """`make demo-beside USER=<user>`: a second playground as that person, against the same bot."""
    env = {
        **_environment(tmp_path, 0, 0),
        "TEAMSAPPTESTER_PORT": str(_free_port()),
    }
    env.pop("PORT")
    log = tmp_path / f"beside-{user}.log"
    beside = start_group(
        [sys.executable, "scripts/playground_as.py", "--beside", user], ROOT, env, log
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (found := re.search(r"Listening on (\d+)", log.read_text(errors="replace"))):
            if beside.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no second playground:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield f"http://localhost:{found.group(1)}"
    finally:
        stop_group(beside)
