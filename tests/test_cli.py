"""Every CLI command through click's runner, on tiny data; errors are one line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from gantools.cli import app
from gantools.imageio import read_image

TRAIN = ["--width", "8", "--batch-size", "8", "--log-every", "1", "--sample-every", "0",
         "--checkpoint-every", "2", "--no-progress", "--workers", "0"]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def exported(tiny_idx, tmp_path):
    """A 3-step run on tiny data, exported; returns the weights path."""
    out = tmp_path / "run"
    result = invoke("train", "generate", "--data", str(tiny_idx), "--out", str(out),
                    "--steps", "3", *TRAIN)
    assert result.exit_code == 0, result.output
    weights = tmp_path / "tiny.safetensors"
    result = invoke("export", str(out), "-o", str(weights))
    assert result.exit_code == 0, result.output
    return weights


def test_help_and_plugins_do_not_import_torch():
    code = ("import sys; from click.testing import CliRunner; from gantools.cli import app; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0; "
            "r = CliRunner().invoke(app, ['plugins']); assert 'generate' in r.output; "
            "r = CliRunner().invoke(app, ['train', '--help']); assert r.exit_code == 0; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_plugins_lists_generate_with_models():
    result = invoke("plugins")
    assert result.exit_code == 0, result.output
    assert "generate" in result.output and "models:" in result.output
    for name in ("mnist", "fashion", "superres-x2", "inpaint", "colorize-vivid"):
        assert name in result.output, name


def test_dry_run_prints_resolved_options(tiny_idx, tmp_path):
    result = invoke("train", "generate", "--data", str(tiny_idx), "--out", str(tmp_path / "r"),
                    "--arch", "mlp", "--dry-run")
    assert result.exit_code == 0
    resolved = json.loads(result.output)
    assert resolved["task_config"]["arch"] == "mlp"
    assert resolved["train"]["lr_g"] == 2e-4 and resolved["train"]["loss"] == "bce"
    assert not (tmp_path / "r").exists()


def test_train_resume_export_generate(exported, tmp_path):
    run_dir = exported.parent / "run"
    card = json.loads(exported.with_suffix(".json").read_text())
    assert card["task"] == "generate" and card["training"]["steps"] == 3
    assert card["classes"] == 10 and len(card["sha256"]) == 64
    # resume with only --out (and a new --steps): the rest comes from config.json
    result = invoke("train", "generate", "--out", str(run_dir), "--steps", "4", "--resume",
                    "--no-progress")
    assert result.exit_code == 0, result.output
    config = json.loads((run_dir / "config.json").read_text())
    assert "--resume" not in config["command"]  # the first command is kept ...
    assert config["resumed_with"][0]["from_step"] == 3  # ... and resumptions listed
    grid = tmp_path / "grid.png"
    result = invoke("generate", "--weights", str(exported), "-n", "9", "--class", "3",
                    "-o", str(grid))
    assert result.exit_code == 0, result.output
    img = read_image(grid)
    assert img.is_gray and img.width == 3 * 28 + 4 * 2  # 3x3 grid with 2px padding
    outdir = tmp_path / "many"
    result = invoke("generate", "--weights", str(exported), "-n", "3", "--out-dir", str(outdir))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in outdir.iterdir()) == ["0000.png", "0001.png", "0002.png"]
    assert read_image(outdir / "0000.png").pixels.shape == (28, 28, 1)


def test_per_class_grid_has_a_row_per_class(exported, tmp_path):
    grid = tmp_path / "rows.png"
    result = invoke("generate", "--weights", str(exported), "--per-class", "2", "-o", str(grid))
    assert result.exit_code == 0, result.output
    img = read_image(grid)
    assert (img.height, img.width) == (10 * 30 + 2, 2 * 30 + 2)  # 10 rows of 2, 2px gaps


def test_same_seed_same_images(exported, tmp_path):
    for name, seed in (("a.png", "7"), ("b.png", "7"), ("c.png", "8")):
        result = invoke("generate", "--weights", str(exported), "-n", "4", "--seed", seed,
                        "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
    a, b, c = (read_image(tmp_path / n).pixels for n in ("a.png", "b.png", "c.png"))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_eval_generate_reports_all_scores(exported, tmp_path):
    import torch

    from gantools.features import FeatureNet, save_feature_net

    torch.manual_seed(0)
    feats = tmp_path / "feat.safetensors"
    save_feature_net(FeatureNet(), feats, {"note": "untrained, for the test"})
    tiny_idx = json.loads((exported.parent / "run" / "config.json").read_text())["train"]["data"]
    report = tmp_path / "scores.json"
    result = invoke("eval", "generate", "--weights", str(exported), "--data", tiny_idx,
                    "--features", str(feats), "-n", "20", "--json", str(report))
    assert result.exit_code == 0, result.output
    assert "FID" in result.output and "precision" in result.output
    rows = json.loads(report.read_text())
    assert [r["name"] for r in rows] == ["real images (train split)", "model tiny"]
    for row in rows:
        assert row["fid"] >= 0 and 0 <= row["precision"] <= 1 and 0 <= row["recall"] <= 1


@pytest.mark.parametrize("args, message", [
    (["generate", "--model", "nope"], "no generate model named 'nope'"),
    (["generate", "--weights", "missing.safetensors"], "no such weights file"),
    (["generate", "--weights", "model.pt"], "pickled weights are never loaded"),
    (["train", "generate", "--out", "x"], "missing option --data"),
    (["train", "generate", "--data", "/no/such/dir", "--out", "x"], "no such file or folder"),
    (["export", "/no/such/run", "-o", "a.safetensors"], "not a run folder"),
])
def test_errors_are_one_line(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_class_on_unconditional_model_is_refused(tiny_folder, tmp_path):
    out = tmp_path / "run"
    result = invoke("train", "generate", "--data", str(tiny_folder), "--out", str(out),
                    "--size", "32", "--steps", "1", *TRAIN)
    assert result.exit_code == 0, result.output
    result = invoke("export", str(out), "-o", str(tmp_path / "u.safetensors"))
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["generate", "--weights", str(tmp_path / "u.safetensors"),
                                      "--class", "1", "-o", str(tmp_path / "g.png")])
    assert result.exit_code == 1
    assert "not class-conditional" in result.output
    assert not (tmp_path / "g.png").exists()


def test_help_stays_light():
    """--help builds every task's command: none may pull in torch, numpy or PIL."""
    code = ("import sys; from click.testing import CliRunner; from gantools.cli import app; "
            "assert CliRunner().invoke(app, ['--help']).exit_code == 0; "
            "print(sorted(m for m in ('torch', 'numpy', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
