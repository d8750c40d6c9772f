"""Launch Debian's Chromium through Playwright (sync API) for browser tests, and always close it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tests.support.environment import missing, require_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Flags for Debian's Chromium: headless, no network chatter of its own, no sandbox (containers)."""

DEFAULT_TIMEOUT_MS = 30_000.0
"""Bound for launching and for every wait on a page, in milliseconds (Playwright's unit)."""


@contextmanager
def chromium_browser(*, timeout_ms: float = DEFAULT_TIMEOUT_MS) -> Iterator[Browser]:
    """Yield a headless Chromium; fail under CI and skip elsewhere when it is missing.

    Playwright's ``launch()`` gives the browser a fresh temporary profile and removes it on
    close, so no user-data-dir leaks between tests. Playwright cannot download browsers here,
    so the executable is always Debian's ``/usr/bin/chromium``.
    """
    executable = require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        missing("the `playwright` Python package is not installed (uv sync --group dev)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=list(CHROMIUM_ARGS),
            headless=True,
            timeout=timeout_ms,
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_page(
    browser: Browser, url: str | None = None, *, timeout_ms: float = DEFAULT_TIMEOUT_MS
) -> Iterator[Page]:
    """Yield a page in its own browser context (its own cookies: a separate app session).

    Every Playwright wait on the page is bounded by ``timeout_ms``; the context is closed on exit,
    which closes the tab just as a user would.
    """
    context = browser.new_context()
    try:
        context.set_default_timeout(timeout_ms)
        context.set_default_navigation_timeout(timeout_ms)
        page = context.new_page()
        if url is not None:
            page.goto(url)
        yield page
    finally:
        context.close()
