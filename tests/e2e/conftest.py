"""Browser fixtures: Debian's chromium through playwright, against real gunicorn deployments.

Two deployments, each made once per run with the `reporting` command line:
- `ward`: a fresh instance (the example taxonomy) where reports are filed and reviewed. A
  reviewer must log in with TOTP; a leadership account, an administrator and a reviewer who
  holds no group key yet complete the cast.
- `hospital`: `reporting demo` (six released months) for the dashboard, the audit log and
  "you said, we did", with a leadership login, an administrator and a reviewer.
A demo instance's reviewer inbox holds hundreds of synthetic reports, which is why filing
and reviewing happen on a deployment of their own.

Every test's browser contexts come from `browse`, which asserts afterwards that the pages
requested nothing from any host but the deployment's origin and logged no error.
playwright is imported inside fixtures only, so `make test` collects this folder (and
deselects it) without the e2e extra installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .browsing import CHROMIUM, CHROMIUM_ARGS, PageLog
from .deployment import Deployment
from .steps import Reviewer, log_in

WARD_CONFIG = 'REQUIRE_TOTP_FOR = ("reviewer",)\n'
DEMO_ARGS = ("--months", "6", "--scale", "0.5")
AXE_RESULTS = pytest.StashKey[dict[str, dict[str, int]]]()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def ward(tmp_path_factory) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path_factory.mktemp("ward"), extra_config=WARD_CONFIG)
    deployment.initialise()
    deployment.add_user("reviewer", "reviewer", totp=True, grant=True)
    deployment.add_user("newcomer", "reviewer", totp=True)
    deployment.add_user("leader", "leadership")
    deployment.add_user("admin", "admin")
    deployment.start()
    yield deployment
    deployment.stop()


@pytest.fixture(scope="session")
def hospital(tmp_path_factory) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path_factory.mktemp("hospital"))
    deployment.initialise()
    deployment.demo(*DEMO_ARGS)
    deployment.add_user("admin", "admin")
    deployment.add_user("reviewer", "reviewer", grant=True)
    deployment.start()
    yield deployment
    deployment.stop()


Browse = Callable[..., Any]


@pytest.fixture
def browse(browser) -> Iterator[Browse]:
    """`browse(deployment, js=True, width=1280)`: a new page in a context of its own.

    After the test: no request left for another host, no console or page error.
    """
    opened: list[tuple[Any, PageLog]] = []

    def open_page(
        deployment: Deployment,
        *,
        js: bool = True,
        width: int = 1280,
        height: int = 900,
        storage_state: Any = None,
    ) -> Any:
        context = browser.new_context(
            base_url=deployment.origin,
            java_script_enabled=js,
            viewport={"width": width, "height": height},
            accept_downloads=True,
            storage_state=storage_state,
        )
        log = PageLog(deployment.origin)
        log.watch(context)
        opened.append((context, log))
        page = context.new_page()
        page.log = log  # the test may allow a console error it provokes
        return page

    yield open_page
    problems = []
    for context, log in opened:
        context.close()
        problems += log.problems()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def reviewer_login(browser, ward) -> dict:
    """The ward reviewer's logged-in browser state (cookies), made by one TOTP login."""
    context = browser.new_context(base_url=ward.origin)
    log = PageLog(ward.origin)
    log.watch(context)
    page = context.new_page()
    account = ward.accounts["reviewer"]
    log_in(page, account, code=account.next_code())
    assert page.url.endswith("/review"), page.url
    state = context.storage_state()
    context.close()
    assert not log.problems(), log.problems()
    return state


@pytest.fixture
def reviewer(browse, ward, reviewer_login) -> Reviewer:
    return Reviewer(browse(ward, storage_state=reviewer_login))


@pytest.fixture
def axe_results(request) -> dict[str, dict[str, int]]:
    """Violations by impact for each page checked, printed at the end of the run."""
    return request.config.stash.setdefault(AXE_RESULTS, {})


def pytest_terminal_summary(terminalreporter, config) -> None:
    results = config.stash.get(AXE_RESULTS, {})
    if not results:
        return
    impacts = ("critical", "serious", "moderate", "minor")
    write = terminalreporter.write_line
    terminalreporter.section("axe-core violations by page")
    write(f"{'page':<34}" + "".join(f"{impact:>10}" for impact in impacts))
    for name, counts in results.items():
        write(f"{name:<34}" + "".join(f"{counts.get(i, 0):>10}" for i in impacts))
    totals = {i: sum(c.get(i, 0) for c in results.values()) for i in impacts}
    write(f"{f'{len(results)} pages':<34}" + "".join(f"{totals[i]:>10}" for i in impacts))
