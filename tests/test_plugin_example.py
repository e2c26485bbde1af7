"""The third-party plugin example (examples/plugin-denoise), installed as a user would.

pip installs it (offline, no dependencies, no build isolation) into a temporary
target folder, never into the venv; every command then runs in a subprocess with
that folder on PYTHONPATH, so gantools finds the plugin through its entry point
exactly as after ``pip install gantools-denoise``. Also: gantools.testing's own
failure messages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO

from gantools.engine.config import opt
from gantools.task import ImageTask, Task
from gantools.testing import check_attributes, check_task, make_image_folder

EXAMPLE = REPO / "examples" / "plugin-denoise"
TINY = ["--patch", "32", "--width", "8", "--blocks", "1", "--d-width", "8", "--d-layers", "2"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The example pip-installed into a fresh target folder (built from a copy, so the
    source tree gets no build/ or egg-info)."""
    setuptools = _version("setuptools")
    if setuptools is None or int(setuptools.split(".")[0]) < 77:
        pytest.skip(f"building the example offline needs setuptools>=77 in this environment "
                    f"(found {setuptools})")
    root = tmp_path_factory.mktemp("plugin")
    source = root / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info", "build", ".pytest_cache"))
    target = root / "site"
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
               "--no-index", "--no-cache-dir", "--disable-pip-version-check", "--quiet",
               "--target", str(target), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"
    assert (target / "gantools_denoise" / "task.py").is_file()
    return target


@pytest.fixture(scope="module")
def env(site) -> dict[str, str]:
    extra = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *([extra] if extra else [])]),
            "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "GANTOOLS_DISABLE_PLUGINS": ""}


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def gantools(env: dict[str, str], *args: str, cwd: Path | None = None,
             ok: bool = True) -> subprocess.CompletedProcess:
    """``gantools ARGS`` in a subprocess (``python -m gantools``, this interpreter)."""
    done = subprocess.run([sys.executable, "-m", "gantools", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    if ok:
        assert done.returncode == 0, (f"gantools {' '.join(args)} -> {done.returncode}\n"
                                      f"{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def trained(env, tmp_path_factory) -> dict[str, Path]:
    """A 2-step run of the plugin and its exported weights, through the shell."""
    root = tmp_path_factory.mktemp("denoise")
    data = make_image_folder(root / "data", 40)
    run, weights = root / "run", root / "w.safetensors"
    gantools(env, "train", "denoise", "--data", str(data), "--out", str(run), "--steps", "2",
             "--batch-size", "2", "--workers", "0", "--sample-every", "0", "--no-progress",
             *TINY)
    gantools(env, "export", str(run), "-o", str(weights))
    return {"root": root, "data": data, "run": run, "weights": weights}


def test_plugins_lists_the_installed_package(env):
    out = gantools(env, "plugins").stdout
    line = next(x for x in out.splitlines() if x.startswith("denoise "))
    assert "Gaussian denoising" in line and "BROKEN" not in line
    assert "from gantools-denoise 0.1.0" in out
    assert "denoise" in gantools(env, "--help").stdout


def test_disabling_the_plugin(env):
    off = {**env, "GANTOOLS_DISABLE_PLUGINS": "denoise"}
    assert "disabled by GANTOOLS_DISABLE_PLUGINS" in gantools(off, "plugins").stdout
    refused = gantools(off, "denoise", "x.png", ok=False)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr


def test_train_export_infer_eval_from_the_shell(env, trained):
    import json

    card = json.loads(trained["weights"].with_suffix(".json").read_text())
    assert card["task"] == "denoise" and card["config"]["width"] == 8
    assert card["architecture"] == "ResidualDenoiser"

    from PIL import Image

    src = trained["root"] / "in.png"
    shutil.copy(next(trained["data"].glob("*.png")), src)
    gantools(env, "denoise", str(src), "--weights", str(trained["weights"]), "--no-progress")
    out = src.with_name("in_denoised.png")
    with Image.open(src) as a, Image.open(out) as b:
        assert b.size == a.size and b.mode == a.mode

    table = gantools(env, "eval", "denoise", "--data", str(trained["data"]), "--weights",
                     str(trained["weights"]), "--sigma", "25").stdout
    assert "noisy PSNR" in table and "mean" in table and "sigma 25" in table


def test_no_default_model_is_a_clear_one_line_error(env, tmp_path):
    from PIL import Image

    Image.new("RGB", (16, 16)).save(tmp_path / "a.png")
    done = gantools(env, "denoise", str(tmp_path / "a.png"), ok=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "no default model" in done.stderr and "--weights" in done.stderr


def test_the_examples_own_contract_tests_pass(env):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(EXAMPLE / "tests")], env=env, cwd=EXAMPLE, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


# ----- gantools.testing reports which rule failed ---------------------------------------
@dataclass
class GoodConfig:
    width: int = opt(8, "Channels.")


@dataclass
class NoDefaultConfig:
    width: int


@dataclass
class ClashConfig:
    steps: int = opt(3, "Steps.")


@dataclass
class FactoryConfig:
    sizes: list = field(default_factory=list, metadata={"help": "Sizes."})


class Minimal(ImageTask):
    name = "minimal"
    summary = "a task"
    Config = GoodConfig


def variant(**attrs) -> Task:
    return type("Variant", (Minimal,), attrs)()


@pytest.mark.parametrize(("attrs", "rule", "words"), [
    ({"api_version": 0}, "api_version", "provides plugin API 1"),
    ({"name": "Bad Name"}, "name", "lowercase CLI name"),
    ({"name": "train"}, "name", "gantools command"),
    ({"summary": ""}, "summary", "one non-empty line"),
    ({"Config": NoDefaultConfig}, "config", "without a default: width"),
    ({"Config": ClashConfig}, "config", "core training options"),
    ({"Config": dict}, "config", "must be a dataclass"),
    ({"output_suffix": ""}, "output_suffix", "non-empty"),
    ({"pretrained_dirs": ("weights",)}, "pretrained_dirs", "pathlib.Path"),
])
def test_contract_names_the_rule_that_failed(attrs, rule, words):
    with pytest.raises(AssertionError, match=rf"gantools contract \[{rule}\]: .*{words}"):
        check_attributes(variant(**attrs))


def test_contract_accepts_a_well_formed_task_and_needs_an_instance():
    check_attributes(Minimal())
    check_attributes(variant(Config=FactoryConfig))
    with pytest.raises(AssertionError, match=r"\[task-instance\]"):
        check_attributes(Minimal)


def test_uninstalled_task_is_refused_with_the_entry_point_to_declare(tmp_path):
    with pytest.raises(AssertionError, match=r"\[entry-point\].*gantools\.plugins.*minimal"):
        check_task(Minimal(), tmp_path)


def test_task_contract_class_forwards_its_settings(monkeypatch, tmp_path):
    import gantools.testing as testing

    seen = {}
    monkeypatch.setattr(testing.contract, "check_task",
                        lambda task, path, config, **kw: seen.update(task=task, config=config,
                                                                     **kw))

    class TestMinimal(testing.TaskContract):
        task = Minimal()
        config = {"width": 4}
        installed = False
        check_tiling = False

    TestMinimal().test_attributes()
    TestMinimal().test_end_to_end(tmp_path)
    assert seen["config"] == {"width": 4} and seen["installed"] is False
    assert seen["check_tiling"] is False and seen["device"] == "cpu"
