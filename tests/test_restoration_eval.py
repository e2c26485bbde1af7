"""gantools.restoration_eval: degrade, then score the baseline and the model side by side
(the protocol, its one-line errors, the table, the command built from a task)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image
from torch import nn

from gantools.cli_options import ReportedError
from gantools.engine.config import opt
from gantools.restoration import RestorationTask
from gantools.restoration_eval import (
    eval_command,
    evaluate_folder,
    read_rgb,
    restoration_table,
    score_rgb,
    to_8bit,
)


@dataclass
class NoiseEval:
    sigma: float = opt(10.0, "Noise, 8-bit levels.")


class NoiseTask(RestorationTask):
    name = "noisetest"
    summary = "test task"
    EvalOptions = NoiseEval
    baseline_name = "noisy"

    def build_generator(self, cfg):
        return nn.Identity()

    def degrade(self, clean, cfg):
        return clean + 0.1 * torch.randn_like(clean)

    def eval_degrade(self, clean, cfg, options):
        return clean + options.sigma / 255 * torch.randn_like(clean)


def identity_model(task):
    """A LoadedModel stand-in whose generator returns its input."""
    return SimpleNamespace(generator=nn.Identity(), config=task.default_config(),
                           device=torch.device("cpu"), dtype=torch.float32, card={})


@pytest.fixture
def photos(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "clean"
    (folder / "sub").mkdir(parents=True)
    for name, size in (("a", 24), ("sub/b", 30)):
        y, x = np.mgrid[0:size, 0:size + 4]
        img = np.stack([x * 6, y * 7, 128 + 0 * x], 2) + rng.normal(0, 3, (size, size + 4, 3))
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(folder / f"{name}.png")
    return folder


def noise(sigma):
    return lambda clean: clean + sigma / 255 * torch.randn_like(clean)


def test_identity_model_scores_like_its_baseline_and_runs_are_seeded(photos):
    task = NoiseTask()
    model = identity_model(task)
    scores = evaluate_folder(task, model, photos, noise(20))
    assert [s.name for s in scores] == ["a", "b"]
    for s in scores:
        assert s.model_psnr == pytest.approx(s.baseline_psnr, abs=1e-9)
        assert 18 < s.baseline_psnr < 30 and 0 < s.baseline_ssim < 1
    again = evaluate_folder(task, model, photos, noise(20))
    other = evaluate_folder(task, model, photos, noise(20), seed=5)
    assert again == scores and other != scores
    state = torch.get_rng_state()
    evaluate_folder(task, model, photos, noise(20))
    assert torch.equal(torch.get_rng_state(), state)  # the caller's generator is untouched


def test_a_baseline_is_scored_beside_the_model(photos):
    task = NoiseTask()
    clean = evaluate_folder(task, identity_model(task), photos, noise(20),
                            baseline=lambda degraded: degraded * 0)
    assert all(s.baseline_psnr < 10 < s.model_psnr for s in clean)


def test_bad_inputs_are_one_line_errors(tmp_path, photos):
    (tmp_path / "empty").mkdir()
    task = NoiseTask()
    with pytest.raises(ReportedError, match="no images to evaluate"):
        evaluate_folder(task, identity_model(task), tmp_path / "empty", noise(5))
    with pytest.raises(ReportedError, match="changed the shape"):
        evaluate_folder(task, identity_model(task), photos, lambda c: c[..., 1:, :])
    Image.new("RGB", (8, 30)).save(photos / "tiny.png")
    with pytest.raises(ReportedError, match="at least 11x11"):
        evaluate_folder(task, identity_model(task), photos, noise(5))


def test_reading_rounding_and_scoring(photos):
    x = read_rgb(photos / "a.png")
    assert x.shape == (1, 3, 24, 28) and x.dtype == torch.float32
    assert torch.equal(to_8bit(x), x)  # an 8-bit file is already on the levels
    assert torch.equal(to_8bit(torch.tensor([-0.2, 0.6 / 255, 1.7])), torch.tensor(
        [0.0, 1 / 255, 1.0]))
    p, s = score_rgb(x, x)
    assert p == float("inf") and s == pytest.approx(1.0)


def test_metrics_name_the_tuple_mistake():
    from gantools.metrics import psnr

    x = torch.rand(1, 3, 16, 16)
    with pytest.raises(TypeError, match=r"infer_image returns \(image, alpha\)"):
        psnr((x, None), x)


def test_the_table_names_the_baseline_and_the_model(photos):
    task = NoiseTask()
    scores = evaluate_folder(task, identity_model(task), photos, noise(20))
    lines = restoration_table(scores, "noisy", "mymodel").splitlines()
    assert lines[0].split() == ["image", "noisy", "PSNR", "SSIM", "mymodel", "PSNR", "SSIM"]
    assert lines[-1].startswith("mean") and len(lines) == 2 + len(scores) + 2


def test_the_command_has_the_tasks_eval_options(tmp_path, photos, monkeypatch):
    import json

    import gantools.api

    task = NoiseTask()
    command = eval_command(task)
    names = {p.name for p in command.params}
    assert {"data", "model", "weights", "device", "precision", "seed", "json_path",
            "sigma"} <= names
    loaded = identity_model(task)
    loaded.source = tmp_path / "mine.safetensors"
    monkeypatch.setattr(gantools.api, "load", lambda *a, **k: loaded)
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(command, ["--data", str(photos), "--sigma", "12", "--json",
                                          str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "sigma 12, seed 0"
    assert lines[1].split()[:3] == ["image", "noisy", "PSNR"] and "mine PSNR" in lines[1]
    saved = json.loads(out.read_text())
    assert saved["options"] == {"sigma": 12.0} and saved["scores"][-1]["name"] == "mean"
    assert len(saved["scores"]) == 3


def test_eval_options_may_not_take_core_names():
    @dataclass
    class Clash:
        seed: int = opt(1, "A clash.")

    task = type("ClashTask", (NoiseTask,), {"EvalOptions": Clash})()
    with pytest.raises(ValueError, match=r"EvalOptions field\(s\) \['seed'\] clash"):
        eval_command(task)
