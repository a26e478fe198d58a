"""The consensus report in a real browser: headless Chromium (Debian's ``chromium`` package, driven
by playwright) opens the report rendered from labelled synthetic results (``tests/report_fixtures.py``,
not evidence) and, when it exists, the real ``reports/consensus_report.html``.

Checks: no console errors, no request leaves the file (only ``file:`` and ``data:`` URLs), every
image has alt text, one h1 and no skipped heading level, data containing HTML is shown as text,
no horizontal scrolling on a phone-width screen, the key messages (``id="key-messages"``) end
inside the first screen at 1366x768 and 390x844, one table captioned "Summary of findings" per
question, a "Plain language summary" section, a page at most 26,500 px tall at 1366 px, and axe-core (through the pinned
axe-playwright-python) finds no violation at either size. If Chromium cannot start, the tests fail with a
message that says how to install it; they never skip silently.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from compendium.paths import REPORTS_DIR
from compendium.report import write_report
from report_fixtures import SCRIPT_PAYLOAD, make_synthetic_results

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
#: the tallest the report may be at LAPTOP width with its technical sections collapsed (issue 21)
MAX_HEIGHT = 26_500


@pytest.fixture(scope="module")
def browser_context():
    """A persistent Chromium context with a fresh user-data directory."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium package (`make browser` runs apt-get install -y chromium)"
        )
    from playwright.sync_api import Error, sync_playwright

    with tempfile.TemporaryDirectory(prefix="report-browser-") as user_data, sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                user_data,
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport=LAPTOP,
            )
        except Error as error:
            pytest.fail(f"Chromium at {CHROMIUM} could not start under playwright: {error}")
        yield context
        context.close()


@pytest.fixture(scope="module")
def synthetic_report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    raw, results = make_synthetic_results(root)
    return write_report(raw, results, root / "out")


def open_report(context, path: Path, viewport: dict = LAPTOP):
    """Open ``path``; return the page and what it logged: console errors, page errors, requests, dialogs."""
    log = {"console_errors": [], "page_errors": [], "requests": [], "dialogs": []}
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.on("console", lambda message: message.type == "error" and log["console_errors"].append(message.text))
    page.on("pageerror", lambda error: log["page_errors"].append(str(error)))
    page.on("request", lambda request: log["requests"].append(request.url))
    page.on("dialog", lambda dialog: (log["dialogs"].append(dialog.message), dialog.dismiss()))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, log


def check_report(context, path: Path, screenshot: Path) -> None:
    page, log = open_report(context, path)
    assert log["console_errors"] == [] and log["page_errors"] == []
    assert log["requests"], "the browser recorded no request at all"
    leaving = [url for url in log["requests"] if not url.startswith(("file:", "data:"))]
    assert leaving == [], f"requests leave the file: {leaving}"
    assert log["dialogs"] == []
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.getAttribute('alt') || '', e.naturalWidth])")
    assert all(alt.strip() for alt, _ in images), "an <img> has no alt text"
    assert all(width > 0 for _, width in images), "an embedded image did not decode"
    levels = page.eval_on_selector_all("h1, h2, h3, h4, h5, h6", "els => els.map(e => Number(e.tagName[1]))")
    assert levels.count(1) == 1 and levels[0] == 1, f"heading levels {levels[:5]}...: need exactly one h1, first"
    skips = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert skips == [], f"heading levels skipped: {skips}"
    broken = page.evaluate(
        "[...document.querySelectorAll('a[href^=\"#\"]')].map(a => a.getAttribute('href').slice(1))"
        ".filter(id => !document.getElementById(id))"
    )
    assert broken == [], f"links to missing anchors: {broken}"
    captions = page.eval_on_selector_all("table > caption", "els => els.map(e => e.textContent.trim())")
    questions = page.eval_on_selector_all("#key-messages li", "els => els.length")
    assert questions >= 1 and sum(c.startswith("Summary of findings") for c in captions) == questions, captions
    assert "Plain language summary" in page.eval_on_selector_all("h2", "els => els.map(e => e.textContent.trim())")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MAX_HEIGHT, f"the page is {height}px tall at {LAPTOP['width']}px with technical sections collapsed"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=False)
    page.close()
    phone, _ = open_report(context, path, PHONE)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a {PHONE['width']}px-wide screen"
    phone.close()
    for viewport in (LAPTOP, PHONE):
        page, _ = open_report(context, path, viewport)
        bottom = page.evaluate("document.getElementById('key-messages').getBoundingClientRect().bottom")
        assert bottom <= viewport["height"], f"key messages end at {bottom}px, below the first screen of {viewport}"
        violations = axe_violations(page)
        assert violations == [], f"axe-core at {viewport}: {violations}"
        page.close()


def axe_violations(page) -> list[str]:
    """axe-core's violations on the open page (axe-playwright-python bundles axe-core), as
    ``rule: first offending element`` lines."""
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    return [f"{v['id']}: {v['nodes'][0]['html'][:120]}" for v in response["violations"]]


def test_synthetic_report_in_chromium(browser_context, synthetic_report, tmp_path):
    check_report(browser_context, synthetic_report, tmp_path / "synthetic_report.png")


def test_html_in_the_data_is_shown_as_text_in_the_browser(browser_context, synthetic_report):
    page, log = open_report(browser_context, synthetic_report)
    assert log["dialogs"] == []  # the script in the study label did not run
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # a reader opens the list
    assert SCRIPT_PAYLOAD in page.inner_text("#study-synth_t1")
    assert page.locator("#study-synth_t1 b").count() == 0 and page.locator("#study-synth_t1 strong").count() == 1
    page.close()


def test_real_report_in_chromium(browser_context, pipeline_results):
    """The report built from the committed data (the session's pipeline run) passes every check;
    its screenshot is written to reports/ for humans to look at."""
    REPORTS_DIR.mkdir(exist_ok=True)
    check_report(browser_context, pipeline_results / "consensus_report.html", REPORTS_DIR / "consensus_report.png")
