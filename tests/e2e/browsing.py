"""What the browser did: every request it made, every console error and page error.

Each browser context of a test gets a `PageLog`; the `browse` fixture asserts, after the
test, that no request left for another host than the deployment's own origin and that no
script failed or logged an error. Helpers for keyboard-only use and screenshots live here
too, so the tests read as what a person does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
MAX_TABS = 80
FAILED_LOAD = "Failed to load resource"
# Browsers ask for /favicon.ico by themselves; the app has none, and a 404 for it is harmless.
FAVICON = "/favicon.ico"


@dataclass
class PageLog:
    """The requests, console errors and page errors of one browser context."""

    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    allowed_failures: list[tuple[int, str]] = field(default_factory=list)

    def watch(self, context: Any) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", self._response)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))
        context.on("page", self._page)

    def _page(self, page: Any) -> None:
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.append((response.status, urlsplit(response.url).path))

    def _console(self, message: Any) -> None:
        # A failed load is logged by the browser as an error; it is judged by its response.
        if message.type == "error" and not message.text.startswith(FAILED_LOAD):
            self.console_errors.append(message.text)

    def allow_failure(self, status: int, path: str) -> None:
        """An error status the test provokes on purpose (the 404 page, a form with errors)."""
        self.allowed_failures.append((status, path))

    def foreign_requests(self) -> list[str]:
        own = urlsplit(self.origin)
        return [
            url
            for url in self.requests
            if (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]

    def problems(self) -> list[str]:
        found = [f"request to another host: {url}" for url in self.foreign_requests()]
        for status, path in self.failed:
            if (status, path) not in self.allowed_failures and path != FAVICON:
                found.append(f"answered {status}: {path}")
        found += [f"console error: {text}" for text in self.console_errors]
        found += [f"page error: {text}" for text in self.page_errors]
        if not self.requests:
            found.append("the browser made no request at all: nothing was tested")
        return found


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot in tests/e2e/screenshots/ (git-ignored), for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def focused(page: Any, selector: str) -> bool:
    return bool(page.evaluate("s => document.activeElement?.matches(s) ?? false", selector))


def tab_to(page: Any, selector: str, key: str = "Tab") -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user does."""
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if focused(page, selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the keyboard ({MAX_TABS} tabs)")


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scrolling)."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    return max(0, width - page.viewport_size["width"])


def assert_no_axe_violation(page, name: str) -> None:
    """axe-core finds nothing on the page (it needs JavaScript in the page's context)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in violations
    ]
    assert not found, f"{name} ({page.url}):\n" + "\n".join(found)
