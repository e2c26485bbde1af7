"""The README's commands run: the first command's demo with every task, each command
of the "Use" block that needs no network (verbatim, shortened where it would train
or score for minutes), and the Python snippet. Every command in the README is either
run here or skipped with a reason, so a new README line must be placed in PLAN."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO
from PIL import Image

from gantools.cli import app

README = (REPO / "README.md").read_text(encoding="utf-8")
FAST = ["--batch-size", "8", "--width", "8", "--sample-every", "0", "--workers", "0",
        "--no-progress"]
"""Appended to training commands (click keeps the last value of an option)."""


def code_blocks(text: str, lang: str = "") -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def use_commands() -> list[str]:
    """The commands of the "Use" block, without their comments."""
    block = next(b for b in code_blocks(README) if "gantools plugins" in b)
    lines = [re.split(r"\s{2,}#", line)[0].strip() for line in block.splitlines()]
    return [" ".join(line.split()) for line in lines if line]


def skip(reason: str) -> dict[str, object]:
    return {"skip": reason}


def files(*names: str) -> Callable[[Path], None]:
    def check(ws: Path) -> None:
        for name in names:
            assert (ws / name).is_file(), name
    return check


def x4_beside(ws: Path) -> None:
    big, small = Image.open(ws / "photo_x4.jpg"), Image.open(ws / "photo.jpg")
    assert big.size == (4 * small.width, 4 * small.height)


PLAN: dict[str, dict[str, object]] = {
    "gantools demo -o demo/": skip("the first command's demo runs in test_readme_demo"),
    "gantools plugins": {},
    "gantools generate --model fashion -n 64 -o grid.png": {"check": files("grid.png")},
    "gantools generate --model mnist --class 3 -n 16 --out-dir threes/":
        {"check": files(*(f"threes/{i:04d}.png" for i in range(16)))},
    "gantools generate --model fashion --per-class 8 -o classes.png":
        {"check": files("classes.png")},
    "gantools generate --model faces -n 64 -o faces.png": {"check": files("faces.png")},
    "gantools train generate --data my_digits/ --out runs/mnist --steps 3000":
        {"extra": ["--steps", "2", *FAST], "check": files("runs/mnist/config.json")},
    "gantools train generate --out runs/mnist --steps 6000 --resume":
        {"extra": ["--steps", "3", "--no-progress"]},
    "gantools export runs/mnist -o my-mnist.safetensors":
        {"check": files("my-mnist.safetensors", "my-mnist.json")},
    "gantools generate --weights my-mnist.safetensors -n 64 -o mine.png":
        {"check": files("mine.png")},
    "gantools eval generate --model mnist --data mnist_idx/": {"extra": ["-n", "20"]},
    "gantools superres gantools/samples/coffee.jpg -o coffee_x4.png":
        {"check": files("coffee_x4.png")},
    "gantools superres photo.jpg": {"check": x4_beside},
    "gantools superres photos/ -o big/ --recursive": {"check": files("big/a.jpg", "big/b.png")},
    "gantools superres photo.jpg -o rich.jpg --texture 0.5": {"check": files("rich.jpg")},
    "gantools eval superres --data gantools/samples/": {},
    "gantools inpaint scan.png --mask scratches.png": {"check": files("scan_inpainted.png")},
    "gantools inpaint photos/ -o fixed/": {"check": files("fixed/a.png", "fixed/b.png")},
    "gantools eval inpaint --data gantools/samples/":
        skip("15 s; the same command scores Set5 in test_shipped_quality.py"),
    "gantools train inpaint --data my_photos/ --out runs/inp --steps 20000":
        {"extra": ["--steps", "1", "--patch", "32", "--blocks", "1", "--batch-size", "2",
                   *FAST[2:]]},
    "gantools colorize old_photos/ -o color/": {"check": files("color/old.jpg")},
    "gantools eval colorize --data gantools/samples/": {},
    "gantools report runs/inp": {"check": files("runs/inp/report.html")},
    "torchrun --standalone --nproc_per_node=4 -m gantools train superres --data my_photos/ "
    "--out runs/sr": skip("4 processes; torchrun is tested in test_distributed.py"),
    "gantools superres photos/ -o big/ --shard 2/8": {"fresh": "big"},  # its own run
    "gantools convert superres old.pth -o mine.safetensors --option blocks=16":
        skip("needs a foreign checkpoint; converting is tested in test_convert.py"),
}


def test_every_readme_command_is_planned():
    assert use_commands() == list(PLAN), "a README command changed: update PLAN"


def picture(h: int, w: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 4, y * 5, (x + y) * 2], -1) % 256
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, tiny_idx_module) -> Path:
    """The files the README's commands name, small: photo.jpg, photos/ (a.jpg and
    b.png with their masks), scan.png with scratches.png, old_photos/, my_photos/,
    my_digits/ and mnist_idx/ (tiny MNIST idx files), gantools/samples/ (the bundled)."""
    ws = tmp_path_factory.mktemp("readme")
    (ws / "photos").mkdir()
    (ws / "old_photos").mkdir()
    (ws / "my_photos").mkdir()
    Image.fromarray(picture(24, 32, 0)).save(ws / "photo.jpg")
    Image.fromarray(picture(24, 32, 1)).save(ws / "photos" / "a.jpg")
    Image.fromarray(picture(20, 28, 2)).save(ws / "photos" / "b.png")
    mask = np.zeros((24, 32), np.uint8)
    mask[8:14, 6:20] = 255
    Image.fromarray(mask).save(ws / "photos" / "a_mask.png")
    Image.fromarray(mask[:20, :28]).save(ws / "photos" / "b_mask.png")
    Image.fromarray(picture(24, 32, 3)).save(ws / "scan.png")
    Image.fromarray(mask).save(ws / "scratches.png")
    Image.fromarray(picture(40, 48, 4)).convert("L").save(ws / "old_photos" / "old.jpg")
    for i in range(3):
        Image.fromarray(picture(48, 48, 5 + i)).save(ws / "my_photos" / f"p{i}.png")
    for name in ("my_digits", "mnist_idx"):  # MNIST-format idx files
        (ws / name).symlink_to(tiny_idx_module, target_is_directory=True)
    (ws / "gantools").mkdir()
    (ws / "gantools" / "samples").symlink_to(REPO / "gantools" / "samples")
    return ws


@pytest.fixture(scope="module")
def tiny_idx_module(tmp_path_factory) -> Path:
    """A 10-class MNIST-format folder (the conftest fixture, module-scoped)."""
    from conftest import write_idx

    folder = tmp_path_factory.mktemp("idx")
    for split, n in (("train", 40), ("t10k", 20)):
        labels = np.arange(n) % 10
        images = np.zeros((n, 28, 28), np.uint8)
        for i, lab in enumerate(labels):
            images[i, 4 + lab: 10 + lab, 6:22] = 220
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", labels)
    return folder


@pytest.mark.parametrize("command", list(PLAN))
def test_readme_command_runs(command, workspace, monkeypatch):
    """The command as the README writes it (plus the shortening in PLAN), in order."""
    plan = PLAN[command]
    if "skip" in plan:
        pytest.skip(str(plan["skip"]))
    monkeypatch.chdir(workspace)
    if "fresh" in plan:
        shutil.rmtree(workspace / str(plan["fresh"]))
    args = shlex.split(command)
    assert args[0] == "gantools"
    result = CliRunner().invoke(app, [*args[1:], *plan.get("extra", [])],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if "check" in plan:
        plan["check"](workspace)


def test_readme_demo_runs_every_task(tmp_path, monkeypatch):
    """The README's first command, after installing: ``gantools demo -o demo``."""
    first = next(b for b in code_blocks(README) if "gantools demo" in b)
    command = re.search(r"\.venv/bin/gantools (demo[^&\n]*)", first).group(1).split()
    assert command == ["demo", "-o", "demo"]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, command, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "demo" / "demo.json").read_text())
    statuses = {t["name"]: t["status"] for t in report["tasks"]}
    assert {"generate", "superres", "inpaint", "colorize"} <= set(statuses)
    assert set(statuses.values()) == {"ok"}, statuses
    assert result.stdout.strip().splitlines()[-1] == str(Path("demo") / "index.html")


def test_readme_python_snippet_runs(tmp_path, monkeypatch):
    """The README's Python block, as written, on small files named as it names them;
    gantools.train is held to 2 steps (it asks for 5000)."""
    import torch

    import gantools

    snippet = code_blocks(README, "python")[0]
    Image.fromarray(picture(24, 32, 0)).save(tmp_path / "photo.jpg")
    Image.fromarray(picture(24, 32, 1)).save(tmp_path / "scan.png")
    mask = np.zeros((24, 32), np.uint8)
    mask[5:12, 4:20] = 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    (tmp_path / "my_faces").mkdir()
    for i in range(3):
        Image.fromarray(picture(64, 64, i)).save(tmp_path / "my_faces" / f"f{i}.png")
    monkeypatch.chdir(tmp_path)
    real_train, calls = gantools.train, []

    def short_train(task, **options):
        calls.append(dict(options))
        options.update(steps=2, batch_size=2, width=8, workers=0, sample_every=0)
        return real_train(task, progress=False, **options)

    monkeypatch.setattr(gantools, "train", short_train)
    scope: dict[str, object] = {}
    exec(compile(snippet, "README.md", "exec"), scope)  # noqa: S102 - our own README
    listed = re.search(r"gantools\.list_tasks\(\)\s+# (\[.*?\])", snippet).group(1)
    assert gantools.list_tasks() == json.loads(listed.replace("'", '"'))
    images = scope["images"]
    assert isinstance(images, torch.Tensor) and images.shape == (16, 1, 28, 28)
    assert 0 <= images.min() and images.max() <= 1
    assert calls == [{"data": "my_faces/", "out": "runs/faces", "steps": 5000, "size": 64}]
    assert (tmp_path / "runs" / "faces" / "config.json").is_file()
    assert scope["big"].size == (4 * 32, 4 * 24)  # the default model is x4
    fixed = np.asarray(scope["fixed"])
    assert fixed.shape == (24, 32, 3)
    known = mask == 0
    assert np.array_equal(fixed[known], picture(24, 32, 1)[known])  # only holes change
