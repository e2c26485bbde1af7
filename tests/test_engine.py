"""The shared adversarial engine: short runs, exact resume, atomic checkpoints."""

from __future__ import annotations

import json
import math
import os
import signal

import pytest
import torch

import gantools
from gantools.engine import checkpoint as ckpt
from gantools.engine import losses
from gantools.engine.trainer import TrainingError, options_changed

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
    with pytest.raises(TrainingError, match="beta1"):
        run(tiny_idx, out, 4, resume=True, beta1=0.9)
    with pytest.raises(TrainingError, match="already holds checkpoints"):
        run(tiny_idx, out, 4)


def test_resume_refuses_a_changed_task_option(tiny_idx, tmp_path):
    out = tmp_path / "run"
    run(tiny_idx, out, 2)
    with pytest.raises(TrainingError, match=r"task options differ .*'width': \(8, 16\)"):
        run(tiny_idx, out, 4, resume=True, width=16)


def test_an_option_newer_than_the_checkpoint_counts_as_its_default():
    """Runs resume across upgrades that add options: a checkpoint without ``l2_weight``
    matches a config at its default 0, not one that sets it; an option the checkpoint
    has and the code no longer knows is reported with None."""
    from dataclasses import asdict

    from gantools.plugins.superres.task import SuperresConfig

    old = {k: v for k, v in asdict(SuperresConfig()).items() if k != "l2_weight"}
    assert options_changed(old, SuperresConfig()) == {}
    assert options_changed(old, SuperresConfig(l2_weight=10.0)) == {"l2_weight": (0.0, 10.0)}
    assert options_changed({**old, "gone": 1}, SuperresConfig()) == {"gone": (1, None)}


def test_resume_applies_changed_learning_rates(tiny_idx, tmp_path):
    """A discriminator warm-up: G frozen at --lr-g 0 while D learns, then resumed with
    a learning rate for G (and a new one for D): the new rates hold from then on."""
    out = tmp_path / "run"
    run(tiny_idx, out, 2, lr_g=1e-3)
    before = final_state(out)
    run(tiny_idx, out, 4, resume=True, lr_g=0.0)
    frozen = final_state(out)
    assert frozen["step"] == 4 and frozen["opt_g"]["param_groups"][0]["lr"] == 0.0
    weights = [k for k in before["G"] if "running_" not in k and "num_batches" not in k]
    assert all(torch.equal(before["G"][k], frozen["G"][k]) for k in weights)  # BN stats move
    assert any(not torch.equal(t, frozen["D"][k]) for k, t in before["D"].items())
    run(tiny_idx, out, 6, resume=True, lr_g=2e-3, lr_d=5e-4)
    moved = final_state(out)
    assert moved["opt_g"]["param_groups"][0]["lr"] == 2e-3
    assert moved["opt_d"]["param_groups"][0]["lr"] == 5e-4
    assert any(not torch.equal(t, moved["G"][k]) for k, t in frozen["G"].items())
    config = json.loads((out / "config.json").read_text())
    assert config["train"]["lr_g"] == 2e-3 and len(config["resumed_with"]) == 2


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
def test_other_losses_and_r1_enter_the_d_loss(tiny_idx, tmp_path, monkeypatch, loss):
    """The logged d_loss of step 1 is the chosen objective plus gp_weight x the
    gradient penalty (wgan-gp) plus r1 / 2 x the R1 penalty, each term really used."""
    seen: dict[str, list] = {"kind": [], "adv": [], "gp": [], "r1": []}

    def spy(name, real):
        def wrapped(*args, **kwargs):
            value = real(*args, **kwargs)
            if name == "adv":
                seen["kind"].append(args[0])
            seen[name].append(float(value.detach()))
            return value
        return wrapped

    monkeypatch.setattr(losses, "d_loss", spy("adv", losses.d_loss))
    monkeypatch.setattr(losses, "gradient_penalty", spy("gp", losses.gradient_penalty))
    monkeypatch.setattr(losses, "r1_penalty", spy("r1", losses.r1_penalty))
    result = run(tiny_idx, tmp_path / loss, 2, loss=loss, r1=3.0, gp_weight=5.0)
    assert result.step == 2 and seen["kind"] == [loss, loss]
    assert len(seen["r1"]) == 2 and all(v > 0 for v in seen["r1"])
    assert len(seen["gp"]) == (2 if loss == "wgan-gp" else 0)
    first = json.loads((tmp_path / loss / "metrics.jsonl").read_text().splitlines()[0])
    expected = seen["adv"][0] + 0.5 * 3.0 * seen["r1"][0]
    if loss == "wgan-gp":
        expected += 5.0 * seen["gp"][0]
    assert first["d_loss"] == pytest.approx(expected, rel=1e-4, abs=1e-5)


def test_adversarial_loss_values_by_hand():
    """bce, hinge and wgan-gp on logits real = (2, 0.5), fake = (-1, 0)."""
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-1.0, 0.0])

    def softplus(v: float) -> float:
        return math.log1p(math.exp(v))

    bce_d = (softplus(-2) + softplus(-0.5)) / 2 + (softplus(-1) + softplus(0)) / 2
    assert losses.d_loss("bce", real, fake).item() == pytest.approx(bce_d)  # 0.8037
    assert losses.g_loss("bce", fake).item() == pytest.approx((softplus(1) + softplus(0)) / 2)
    # hinge: mean(relu(1 - real)) + mean(relu(1 + fake)) = (0 + 0.5)/2 + (0 + 1)/2
    assert losses.d_loss("hinge", real, fake).item() == pytest.approx(0.75)
    assert losses.g_loss("hinge", fake).item() == pytest.approx(0.5)
    # wgan: mean(fake) - mean(real) = -0.5 - 1.25
    assert losses.d_loss("wgan-gp", real, fake).item() == pytest.approx(-1.75)
    assert losses.g_loss("wgan-gp", fake).item() == pytest.approx(0.5)
    # PatchGAN maps: the mean over every logit
    patch = torch.tensor([[[[2.0, -2.0]]]])
    assert losses.d_loss("hinge", patch, -patch).item() == pytest.approx(1.5 + 1.5)
    with pytest.raises(ValueError, match="unknown adversarial loss"):
        losses.d_loss("lsgan", real, fake)


def test_gradient_penalties_by_hand():
    """Critics whose gradients are known: a linear one (the gradient is its weight,
    everywhere) and a quadratic one, 0.5 ||x||^2 (the gradient is x itself)."""
    def linear(norm: float):
        w = torch.zeros(1, 3, 2, 2)
        w.view(-1)[0] = norm
        return lambda x: (x * w).flatten(1).sum(1)

    def quadratic(x):
        return 0.5 * x.pow(2).flatten(1).sum(1)

    real, fake = torch.rand(4, 3, 2, 2), torch.rand(4, 3, 2, 2)
    assert losses.gradient_penalty(linear(1.0), real, fake).item() == pytest.approx(0, abs=1e-10)
    assert losses.gradient_penalty(linear(3.0), real, fake).item() == pytest.approx(4.0)  # (3-1)^2
    assert losses.r1_penalty(linear(1.0), real).item() == pytest.approx(1.0)
    assert losses.r1_penalty(linear(3.0), real).item() == pytest.approx(9.0)  # ||w||^2
    # per-image gradient norms: one image of twelve 0.5s (norm sqrt 3), one of zeros
    two = torch.stack([torch.full((3, 2, 2), 0.5), torch.zeros(3, 2, 2)])
    gp = losses.gradient_penalty(quadratic, two, two)  # real = fake: x_hat is known
    assert gp.item() == pytest.approx(((math.sqrt(3) - 1) ** 2 + 1) / 2)
    assert losses.r1_penalty(quadratic, two).item() == pytest.approx((3.0 + 0.0) / 2)
    # x_hat lies between real and fake: real = ones (norm sqrt 12), fake = zeros, so the
    # gradient norm is alpha sqrt 12, alpha uniform: E[(alpha sqrt 12 - 1)^2] = 5 - sqrt 12
    torch.manual_seed(0)
    ones, zeros = torch.ones(512, 3, 2, 2), torch.zeros(512, 3, 2, 2)
    gp = losses.gradient_penalty(quadratic, ones, zeros).item()
    assert gp == pytest.approx(5 - math.sqrt(12), abs=0.25)  # real only: 6.07, fake only: 1
    # the penalties are differentiable (create_graph): they train the critic
    w = torch.full((1, 3, 2, 2), 0.7, requires_grad=True)
    penalty = losses.gradient_penalty(lambda x: (x * w).flatten(1).sum(1), real, fake)
    (grad,) = torch.autograd.grad(penalty, w)
    assert grad.abs().sum() > 0


def test_init_from_starts_the_generator_from_the_weights(tiny_idx, tmp_path):
    """gantools train --init-from W: G (and its EMA) start as W; with --lr-g 0 one
    step later they still equal W, where a fresh run starts elsewhere."""
    from click.testing import CliRunner

    from gantools.cli import app
    from gantools.commands.export import export_run
    from gantools.weights import load_weights

    run(tiny_idx, tmp_path / "first", 3, lr_g=1e-2)
    source = export_run(tmp_path / "first", tmp_path / "first.safetensors")
    tensors, _ = load_weights(source)
    args = ["train", "generate", "--data", str(tiny_idx), "--steps", "1", "--width", "8",
            "--batch-size", "8", "--sample-every", "0", "--workers", "0", "--no-progress",
            "--lr-g", "0"]
    for name, extra in (("init", ["--init-from", str(source)]), ("fresh", [])):
        result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / name), *extra],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
    params = [k for k in tensors if "running_" not in k and "num_batches" not in k]
    assert params
    init, fresh = final_state(tmp_path / "init"), final_state(tmp_path / "fresh")
    for key in ("G", "ema"):
        for name in params:
            assert torch.equal(init[key][name], tensors[name].float()), (key, name)
    assert any(not torch.equal(fresh["G"][n], tensors[n].float()) for n in params)
    config = json.loads((tmp_path / "init" / "config.json").read_text())
    assert config["train"]["init_from"] == str(source)


def test_init_from_weights_of_another_architecture_is_refused(tiny_idx, tmp_path):
    from gantools.commands.export import export_run
    from gantools.weights import WeightsError

    run(tiny_idx, tmp_path / "w8", 1)
    source = export_run(tmp_path / "w8", tmp_path / "w8.safetensors")
    with pytest.raises(WeightsError, match="does not fit this architecture"):
        run(tiny_idx, tmp_path / "w16", 1, width=16, init_from=str(source))


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
