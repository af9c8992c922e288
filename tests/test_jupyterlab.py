"""JupyterLab for real: explore.ipynb opened in headless Chromium, all cells run, the chart drawn."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip
TOKEN = "ddj-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI is set but chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no chromium here (apt-get install chromium); CI runs this test")
    work = tmp_path / "work"
    work.mkdir()
    table = work / "articles.csv"
    rows = [
        {"url": f"https://paper{i % 3}.example/{i}", "date": f"2024-{1 + i % 6:02d}-{1 + i % 27:02d}",
         "title": "Hong Kong court hears case" if i % 3 == 0 else "Council news", "source_title": f"Paper {i % 3}",
         "text": "Hong Kong court hears case." if i % 3 == 0 else "Council news today."}
        for i in range(90)
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(table, index=False)
    nb = nbformat.read(REPO / "notebooks" / "explore.ipynb", as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = params.source.replace('corpus = "demo"', f"corpus = {json.dumps(str(table))}")
    nbformat.write(nb, work / "explore.ipynb")
    env = dict(os.environ)
    for name in (
        "JUPYTER_RUNTIME_DIR",
        "JUPYTER_CONFIG_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
    ):
        env[name] = str(tmp_path / name.lower())
    env["PYTHONPATH"] = str(REPO)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}",
         "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=work,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stdout.read().decode(errors="replace")) from None
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_accepting_kernel_dialogs(page, selector: str, seconds: float) -> bool:
    """Wait for ``selector``; JupyterLab may first ask which kernel to start: take the one it proposes."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        accept = page.locator(".jp-Dialog button.jp-mod-accept")
        if accept.count():
            accept.first.click()
        if page.locator(selector).count():
            return True
        page.wait_for_timeout(500)
    return False


@pytest.mark.slow
def test_explore_runs_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    nb = nbformat.read(REPO / "notebooks" / "explore.ipynb", as_version=4)
    n_code = sum(c.cell_type == "code" for c in nb.cells)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{lab}/lab/tree/explore.ipynb?token={TOKEN}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            # a kernel must be idle before cells are run: accept JupyterLab's kernel choice if it asks
            _wait_accepting_kernel_dialogs(page, ".jp-StatusBar-TextItem:has-text('| Idle')", 90)
            # Run > Run All Cells, as a person would; a run asked for while the kernel was still
            # connecting can be dropped, so ask again until a cell shows it ran or runs
            for _ in range(4):
                page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
                if _wait_accepting_kernel_dialogs(page, ".jp-InputPrompt:has-text('[1]')", 20):
                    break
            charts = ".jp-RenderedSVG svg, .jp-RenderedImage img, .jp-RenderedSVG img"
            if not _wait_accepting_kernel_dialogs(page, charts, 180):
                page.screenshot(
                    path=os.environ.get("DDJ_LAB_SCREENSHOT", "/tmp/ddj-lab-failure.png"),
                    full_page=True,
                )
            page.wait_for_selector(charts, timeout=1000)
            deadline = time.time() + 180
            while time.time() < deadline:
                # done when the last code cell has run ([n]: with n code cells) and none is running
                prompts = [
                    t.strip() for t in page.locator(".jp-InputArea-prompt").all_inner_texts()
                ]
                if f"[{n_code}]:" in prompts and not any("*" in t for t in prompts):
                    break
                page.wait_for_timeout(500)
            errors = page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            ).all_inner_texts()
            assert not [e for e in errors if "Traceback" in e or "Error" in e], errors
            assert (
                page.locator(
                    ".jp-RenderedSVG svg, .jp-RenderedSVG img, .jp-RenderedImage img"
                ).count()
                >= 1
            )
            assert page.locator("text=hits in").count() >= 1  # the hits cell printed its count
            if os.environ.get("DDJ_LAB_SHOTS"):  # a folder: keep what a person saw, to look at
                page.screenshot(path=str(Path(os.environ["DDJ_LAB_SHOTS"]) / "explore.png"))
        finally:
            browser.close()
