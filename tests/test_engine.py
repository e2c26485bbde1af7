"""The shared adversarial engine: short runs, exact resume, atomic checkpoints."""

from __future__ import annotations

import json
import os
import signal

import pytest
import torch

import gantools
from gantools.engine import checkpoint as ckpt
from gantools.engine import losses
from gantools.engine.trainer import TrainingError

SMALL = {"width": 8, "log_every": 1, "sample_every": 0, "checkpoint_every": 3,
         "batch_size": 8, "workers": 0}


def run(data, out, steps, resume=False, **extra):
    options = {**SMALL, **extra}
    return gantools.train("generate", data=str(data), out=str(out), steps=steps,
                          resume=resume, progress=False, command=["test"], **options)


def final_state(out):
    state, _ = ckpt.load_latest(out / "checkpoints")
    return state


def assert_same_state(a, b):
    for key in ("G", "D", "ema"):
        for name, tensor in a[key].items():
            assert torch.equal(tensor, b[key][name]), f"{key}.{name} differs"
    for key in ("opt_g", "opt_d"):
        for pid, st in a[key]["state"].items():
            for name, value in st.items():
                assert torch.equal(value, b[key]["state"][pid][name]), f"{key} {pid} {name}"
    assert torch.equal(a["rng"]["torch"], b["rng"]["torch"])


def test_two_step_training_writes_the_run_folder(tiny_idx, tmp_path):
    out = tmp_path / "run"
    result = run(tiny_idx, out, 2)
    assert result.step == 2 and not result.interrupted
    config = json.loads((out / "config.json").read_text())
    assert config["task"] == "generate"
    assert config["task_config"]["num_classes"] == 10  # labels found -> conditional
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [1, 2]
    assert {"d_loss", "g_loss", "d_real", "d_fake", "images_per_s"} <= set(lines[0])
    assert (out / "samples" / "step_00000002.png").is_file()
    assert ckpt.list_checkpoints(out / "checkpoints")[-1][0] == 2


def test_a_run_stopped_before_training_leaves_no_folder(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Exception, match="missing"):
        run(tmp_path / "missing", out, 2)
    assert not out.exists()


@pytest.mark.parametrize("arch", ["dcgan", "mlp"])
def test_resume_is_bit_identical(tiny_idx, tmp_path, arch):
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    run(tiny_idx, whole, 7, arch=arch)
    run(tiny_idx, parts, 3, arch=arch)
    run(tiny_idx, parts, 7, resume=True, arch=arch)
    assert_same_state(final_state(whole), final_state(parts))
    steps = [json.loads(x)["step"] for x in (parts / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 8))


def test_resume_with_workers_on_an_image_folder(tiny_folder, tmp_path):
    """Crops are seeded per sample, so worker processes do not change the stream."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    opts = {"size": 32, "workers": 2, "batch_size": 4}
    run(tiny_folder, whole, 4, **opts)
    run(tiny_folder, parts, 2, **opts)
    run(tiny_folder, parts, 4, resume=True, **{**opts, "workers": 0})
    assert_same_state(final_state(whole), final_state(parts))


def test_resume_refuses_changed_settings(tiny_idx, tmp_path):
    out = tmp_path / "run"
    run(tiny_idx, out, 2)
    with pytest.raises(TrainingError, match="lr-g"):
        run(tiny_idx, out, 4, resume=True, lr_g=1e-3)
    with pytest.raises(TrainingError, match="already holds checkpoints"):
        run(tiny_idx, out, 4)


def test_killed_checkpoint_write_keeps_the_previous(tiny_idx, tmp_path, monkeypatch):
    out = tmp_path / "run"
    run(tiny_idx, out, 3)
    before = (out / "checkpoints" / "step_00000003.ckpt").read_bytes()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed during rename")

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        run(tiny_idx, out, 6, resume=True)
    monkeypatch.undo()
    files = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert files == ["step_00000003.ckpt"]  # no temp file, no half checkpoint
    assert (out / "checkpoints" / "step_00000003.ckpt").read_bytes() == before


def test_corrupted_checkpoint_falls_back_to_the_previous(tiny_idx, tmp_path):
    out = tmp_path / "run"
    run(tiny_idx, out, 6)
    newest = out / "checkpoints" / "step_00000006.ckpt"
    newest.write_bytes(newest.read_bytes()[:1000])  # truncated
    with pytest.warns(UserWarning, match="checksum mismatch"):
        state, path = ckpt.load_latest(out / "checkpoints")
    assert state["step"] == 3 and path.name == "step_00000003.ckpt"


def test_ctrl_c_saves_a_checkpoint_and_stops(tiny_idx, tmp_path, monkeypatch):
    from gantools.plugins.generate.task import GenerateTask

    original = GenerateTask.make_pair
    calls = {"n": 0}

    def make_pair(self, batch, cfg):
        calls["n"] += 1
        if calls["n"] == 3:  # the fixed sample batch is call 1; step 2 is call 3
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, batch, cfg)

    monkeypatch.setattr(GenerateTask, "make_pair", make_pair)
    result = run(tiny_idx, tmp_path / "run", 50)
    assert result.interrupted and result.step == 2
    assert ckpt.list_checkpoints(tmp_path / "run" / "checkpoints")[-1][0] == 2


def test_non_finite_loss_stops_the_run(tiny_idx, tmp_path, monkeypatch):
    from gantools.plugins.generate.task import GenerateTask

    monkeypatch.setattr(GenerateTask, "task_losses",
                        lambda self, *a: {"boom": torch.tensor(float("nan"))})
    with pytest.raises(TrainingError, match="non-finite"):
        run(tiny_idx, tmp_path / "run", 5)
    assert not ckpt.list_checkpoints(tmp_path / "run" / "checkpoints")


@pytest.mark.parametrize("loss", ["hinge", "wgan-gp"])
def test_other_losses_and_r1_train(tiny_idx, tmp_path, loss):
    result = run(tiny_idx, tmp_path / loss, 2, loss=loss, r1=1.0)
    assert result.step == 2


def test_loss_values():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-1.0, 0.0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = bce(real, torch.ones(2)) + bce(fake, torch.zeros(2))
    assert torch.allclose(losses.d_loss("bce", real, fake), expected)
    assert torch.allclose(losses.g_loss("bce", fake), bce(fake, torch.ones(2)))
    assert losses.d_loss("hinge", real, fake) == pytest.approx((0 + 0.5) / 2 + (0 + 1) / 2)
    # a linear critic with unit-norm weights has gradient norm 1: zero penalty
    w = torch.zeros(1, 3, 2, 2)
    w.view(-1)[0] = 1.0
    critic = lambda x: (x * w).flatten(1).sum(1)  # noqa: E731
    gp = losses.gradient_penalty(critic, torch.rand(4, 3, 2, 2), torch.rand(4, 3, 2, 2))
    assert gp.item() == pytest.approx(0.0, abs=1e-10)
    assert losses.r1_penalty(critic, torch.rand(4, 3, 2, 2)).item() == pytest.approx(1.0)


def test_ema_warm_up_then_follows_slowly():
    from gantools.engine.ema import EMA

    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    ema = EMA(model, decay=0.999)
    assert ema.decay_at(0) == pytest.approx(0.1) and ema.decay_at(10**6) == 0.999
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema.update(model, 0)
    assert ema.shadow.weight.item() == pytest.approx(0.9)  # (1 - 0.1) of the way
    for step in range(1, 20_000):
        ema.update(model, step)
    assert ema.shadow.weight.item() == pytest.approx(1.0, abs=1e-6)
