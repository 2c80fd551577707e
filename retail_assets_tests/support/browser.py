"""Pages opened in Debian's headless Chromium through Playwright, with the network blocked and console errors kept."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out, and this machine's closed network refuses
# each attempt; as root it needs --no-sandbox.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class BrowserPage:
    """A Playwright page and what its console reported as errors."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)


@contextmanager
def browser_page(*, allow_hosts: tuple[str, ...] = (), viewport=(1400, 900)) -> Iterator[BrowserPage]:
    """A fresh headless Chromium page; requests to hosts not in allow_hosts (file:// and data: aside) are aborted."""
    if not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            page = context.new_page()
            opened = BrowserPage(page)

            def route(request_route):
                url = request_route.request.url
                host = url.split("/")[2].split(":")[0] if "://" in url else ""
                if url.startswith(("file:", "data:", "blob:", "about:")) or host in allow_hosts:
                    request_route.continue_()
                else:
                    opened.blocked_requests.append(url)
                    request_route.abort()

            context.route("**/*", route)
            page.on("console", lambda message: message.type == "error" and opened.console_errors.append(message.text))
            page.on("pageerror", lambda error: opened.console_errors.append(str(error)))
            yield opened
        finally:
            browser.close()
