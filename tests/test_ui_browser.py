"""``gantools ui`` in a real browser (Debian's headless chromium, driven over the
DevTools pipe): the page loads with every task's tab, uploading a photo to superres
and running it shows the result, the inpaint brush paints a hole that gets filled,
errors are one line, and nothing is fetched from outside the machine. The
screenshots of docs/ui.md are taken here (docs/img/ui-TASK.png)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from ui_cdp import Browser, find_chromium
from ui_server import REPO, shared_server, small_photo

pytest.importorskip("gradio", reason="the ui extra (gradio) is not installed")
CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium; "
                             "locally: apt-get install chromium)")

BUILT_IN = ["colorize", "generate", "inpaint", "superres"]
SHOTS = REPO / "docs" / "img"


@pytest.fixture(scope="module")
def page():
    """The page, loaded in one headless chromium for the whole module."""
    server = shared_server()
    browser = Browser(CHROMIUM, 1280, 860)
    try:
        browser.goto(server.url)
        browser.wait_for("document.querySelectorAll('button[role=tab]').length >= 4", 120,
                         "the tabs")
        browser.server_url = server.url
        yield browser
    finally:
        browser.close()


def open_tab(page: Browser, name: str) -> None:
    page.js(f"Array.from(document.querySelectorAll('button[role=tab]'))"
            f".find(b => b.innerText.trim() === {json.dumps(name)}).click()")
    page.wait_for(f"document.querySelector('#tab-{name}')?.getBoundingClientRect().height > 0",
                  10, f"the {name} tab")


def status(page: Browser, name: str, contains: str, timeout: float = 120) -> str:
    """The tab's status line once it contains ``contains``; AssertionError with the
    page's error line if one appears first."""
    text = page.wait_for(
        f"(t => t.includes({json.dumps(contains)}) && t)(document.querySelector("
        f"'#{name}-status')?.innerText || '') || (e => e && 'error: ' + e.innerText)("
        f"document.querySelector('.toast-body'))", timeout, f"the {name} result")
    assert not text.startswith("error: "), text
    return text


def loaded_images(page: Browser, selector: str, count: int) -> list[list[int]]:
    """Natural sizes of the images under ``selector``, once ``count`` have loaded."""
    return page.wait_for(
        f"(s => s.length >= {count} && s)(Array.from(document.querySelectorAll("
        f"{json.dumps(selector + ' img')})).filter(i => i.complete && i.naturalWidth > 0)"
        f".map(i => [i.naturalWidth, i.naturalHeight]))", 60, f"images in {selector}")


def test_page_shows_every_task(page: Browser) -> None:
    tabs = page.js("Array.from(document.querySelectorAll('button[role=tab]'))"
                   ".map(b => b.innerText.trim())")
    assert sorted(tabs) == BUILT_IN
    for name in BUILT_IN:
        open_tab(page, name)
        text = page.js(f"document.querySelector('#tab-{name}').innerText")
        assert text.startswith(name) and "No " + name not in text


def test_superres_upload_run_result(page: Browser, tmp_path: Path) -> None:
    open_tab(page, "superres")
    page.upload("#superres-input input[type=file]", small_photo(tmp_path / "photo.png", 96, 64))
    loaded_images(page, "#superres-input", 1)
    page.js("document.querySelector('#superres-run').click()")
    assert "96x64 -> 384x256" in status(page, "superres", "->")
    assert [384, 256] in loaded_images(page, "#superres-output", 2)
    href = page.js("document.querySelector('#superres-download a[href]')?.href")
    assert href.startswith(page.server_url) and "photo_x4" in href
    with urllib.request.urlopen(href, timeout=30) as reply, Image.open(reply) as result:
        assert (result.format, result.size) == ("PNG", (384, 256))  # the download
    page.screenshot(SHOTS / "ui-superres.png")


def test_inpaint_brush_and_fill(page: Browser, tmp_path: Path) -> None:
    open_tab(page, "inpaint")
    page.upload("#inpaint-editor input[type=file]", small_photo(tmp_path / "room.png", 160, 120))
    box = page.wait_for("(c => c && c.width > 0 && c.getBoundingClientRect().toJSON())"
                        "(document.querySelector('#inpaint-editor canvas'))", 20, "the canvas")
    time.sleep(1.0)  # the editor fits the photo in the canvas
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def mouse(kind: str, dx: float, dy: float, buttons: int = 1) -> None:
        page.page("Input.dispatchMouseEvent", {"type": kind, "x": x + dx, "y": y + dy,
                                               "button": "left", "buttons": buttons,
                                               "clickCount": 1})

    def paint_and_fill() -> str:
        mouse("mouseMoved", -60, -10, 0)
        mouse("mousePressed", -60, -10)
        for step in range(13):
            mouse("mouseMoved", -60 + 10 * step, -10 + 2 * step)
        mouse("mouseReleased", 60, 14, 0)
        time.sleep(0.3)
        page.js("document.querySelector('#inpaint-run').click()")
        return status(page, "inpaint", "filled")

    try:
        text = paint_and_fill()
    except AssertionError as exc:  # a busy machine: the editor was not ready for the stroke
        assert "paint the hole" in str(exc)
        page.js("document.querySelectorAll('.toast-body').forEach(t => t.remove())")
        text = paint_and_fill()
    assert "of the 160x120 photo filled" in text
    assert loaded_images(page, "#inpaint-telea", 1) == [[160, 120]]
    assert loaded_images(page, "#inpaint-output", 1) == [[160, 120]]
    page.screenshot(SHOTS / "ui-inpaint.png")


def test_colorize_and_generate_run(page: Browser, tmp_path: Path) -> None:
    open_tab(page, "colorize")
    gray = small_photo(tmp_path / "gray.png", 128, 96, gray=True)
    page.upload("#colorize-input input[type=file]", gray)
    loaded_images(page, "#colorize-input", 1)
    page.js("document.querySelector('#colorize-run').click()")
    assert "128x96 -> 128x96" in status(page, "colorize", "->")
    assert loaded_images(page, "#colorize-output", 2) == [[128, 96], [128, 96]]
    page.screenshot(SHOTS / "ui-colorize.png")
    open_tab(page, "generate")
    page.js("document.querySelector('#generate-run').click()")
    assert "64 images from" in status(page, "generate", "images from")
    loaded_images(page, "#generate-output", 1)
    page.screenshot(SHOTS / "ui-generate.png")


def test_errors_are_one_line_on_the_page(page: Browser) -> None:
    open_tab(page, "superres")
    page.js("document.querySelector('#superres-input button[aria-label=\"Remove Image\"]').click()")
    page.wait_for("!document.querySelector('#superres-input img')", 10, "the cleared upload")
    page.js("document.querySelector('#superres-run').click()")
    page.wait_for("document.body.innerText.includes('upload an image first')", 30,
                  "the error line")
    assert "Traceback" not in page.js("document.body.innerText")


def test_nothing_is_fetched_from_outside(page: Browser) -> None:
    urls = page.request_urls()
    assert urls
    outside = [u for u in urls if not u.startswith((page.server_url, "data:", "blob:"))]
    assert outside == []
