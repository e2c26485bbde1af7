"""``gantools ui``: the server starts on a free port, answers, lists every task, keeps
to loopback and to its upload limit, and cleans up; the command's one-line messages;
gradio is never imported by the rest of gantools."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from gantools.cli import app

BUILT_IN = {"colorize", "generate", "inpaint", "superres"}


def test_ui_command_help_and_missing_gradio_line(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, ["ui", "--help"])
    assert result.exit_code == 0
    for flag in ("--host", "--port", "--device", "--open", "--max-upload"):
        assert flag in result.output

    import gantools.ui.offline as offline

    def missing():
        raise offline.GradioMissing("No module named 'gradio'")

    monkeypatch.setattr(offline, "gradio", missing)
    result = CliRunner().invoke(app, ["ui"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        'Error: gantools ui needs gradio: pip install "gantools[ui]"']


def test_core_never_imports_gradio() -> None:
    code = ("import sys, gantools, gantools.cli, gantools.api\n"
            "from gantools.registry import default_registry\n"
            "tasks = default_registry().tasks\n"
            "assert {'superres', 'inpaint', 'colorize', 'generate'} <= set(tasks)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'gradio'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_host_warning_only_off_loopback() -> None:
    from gantools.ui.server import host_warning

    assert host_warning("127.0.0.1") is None and host_warning("localhost") is None
    assert "anyone who can reach this machine" in host_warning("0.0.0.0")


def test_server_answers_with_every_task() -> None:
    pytest.importorskip("gradio", reason="the ui extra (gradio) is not installed")
    from ui_server import shared_server

    server = shared_server()
    assert server.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(server.url, timeout=30) as page:
        assert page.status == 200 and b"gradio" in page.read().lower()
    with urllib.request.urlopen(server.url + "config", timeout=30) as reply:
        config = json.load(reply)
    tabs = {c["props"]["label"] for c in config["components"] if c["type"] == "tabitem"}
    assert BUILT_IN <= tabs
    assert config.get("analytics_enabled") is False
    assert server.ui.results.is_dir() and server.ui.root.name.startswith("gantools-ui-")


def test_upload_limit_retry_and_cleanup(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2 KB upload limit refuses 8 KB; a first launch whose self-check times out (a
    busy machine) is retried; closing deletes the server's folder."""
    gradio = pytest.importorskip("gradio", reason="the ui extra (gradio) is not installed")
    from ui_server import free_port

    from gantools.ui.server import start

    with pytest.raises(ValueError, match="--max-upload 'lots' is not a size"):
        start(max_upload="lots")
    checks = []
    url_ok = gradio.networking.url_ok

    def first_check_times_out(url: str) -> bool:
        checks.append(url)
        return len(checks) > 1 and url_ok(url)

    monkeypatch.setattr(gradio.networking, "url_ok", first_check_times_out)
    server = start(port=free_port(), device="cpu", max_upload="2K")
    assert len(checks) == 2
    try:
        boundary = "gantoolsboundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                f"filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
        body += b"\0" * 8192 + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            server.url + "gradio_api/upload", data=body, method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=30)
        assert info.value.code == 413
    finally:
        server.close()
    assert not server.ui.root.exists()
