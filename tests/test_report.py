"""``gantools report``: metrics reading, health checks and the HTML page, on
synthetic run folders (plus one real 2-step training run)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gantools.cli import app
from gantools.report import health
from gantools.report.build import collect
from gantools.report.curves import estimated_wall_time, parse_metrics
from gantools.report.grids import infer_layout, mean_pairwise_distance

N_SAMPLES, TILE, PAD = 16, 12, 2


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def grid_array(tiles: np.ndarray, ncol: int) -> np.ndarray:
    """What runlog.make_grid writes: tiles with 2 white pixels around each."""
    n, h, w = tiles.shape
    nrow = math.ceil(n / ncol)
    out = np.full((nrow * (h + PAD) + PAD, ncol * (w + PAD) + PAD), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, ncol)
        out[PAD + r * (h + PAD):PAD + r * (h + PAD) + h,
            PAD + c * (w + PAD):PAD + c * (w + PAD) + w] = tiles[i]
    return out


def make_run(root: Path, rows: list[dict], *, name: str = "run", loss: str = "bce",
             grids: dict[int, np.ndarray] | None = None, resumed_from: int | None = None,
             tail: str = "") -> Path:
    run = root / name
    (run / "samples").mkdir(parents=True)
    config = {"task": "generate", "task_config": {"arch": "dcgan"},
              "train": {"loss": loss, "steps": rows[-1]["step"] if rows else 100,
                        "batch_size": 8, "n_samples": N_SAMPLES},
              "command": ["gantools", "train", "generate", "--out", str(run)],
              "gantools_version": "test", "device": "cpu", "precision": "float32"}
    if resumed_from is not None:
        config["resumed_with"] = [{"command": ["gantools", "train", "generate", "--resume"],
                                   "from_step": resumed_from}]
    (run / "config.json").write_text(json.dumps(config))
    text = "".join(json.dumps(r) + "\n" for r in rows) + tail
    (run / "metrics.jsonl").write_text(text)
    for step, tiles in (grids or {}).items():
        Image.fromarray(grid_array(tiles, 4)).save(run / "samples" / f"step_{step:08d}.png")
    return run


def adversarial_rows(n: int = 60, every: int = 10, **overrides) -> list[dict]:
    """A healthy-looking adversarial log; ``overrides[key](i, value)`` bends it."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        row = {"step": (i + 1) * every,
               "d_loss": 1.2 + 0.05 * rng.standard_normal(),
               "g_adv": 1.5 - 0.3 * i / n + 0.05 * rng.standard_normal(),
               "d_real": 0.7 + 0.02 * rng.standard_normal(),
               "d_fake": 0.3 + 0.02 * rng.standard_normal(),
               "images_per_s": 100.0 + rng.standard_normal()}
        for key, bend in overrides.items():
            row[key] = bend(i, row[key])
        row["g_loss"] = row["g_adv"]
        rows.append(row)
    return rows


def diverse_grids(steps: list[int], collapse_from: int | None = None) -> dict[int, np.ndarray]:
    """Grids of random tiles; from ``collapse_from`` on, every tile the same."""
    rng = np.random.default_rng(1)
    out = {}
    for step in steps:
        tiles = rng.integers(0, 200, (N_SAMPLES, TILE, TILE)).astype(np.uint8)
        if collapse_from is not None and step >= collapse_from:
            tiles[:] = tiles[0]
        out[step] = tiles
    return out


def warnings_of(run: Path) -> dict[str, health.Finding]:
    return {f.check: f for f in collect(run)["findings"] if f.level == "warning"}


def assert_self_contained(html: str, plots: bool = True) -> None:
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html)
    assert "<script" not in html
    assert ("<svg" in html) == plots and "data:image/jpeg;base64," in html


# ----- healthy run, through the CLI ---------------------------------------------
def test_healthy_run_has_no_warning_and_a_self_contained_page(tmp_path):
    run = make_run(tmp_path, adversarial_rows(), resumed_from=300,
                   grids=diverse_grids([200, 400, 600]))
    result = invoke("report", str(run))
    assert result.exit_code == 0, result.output
    assert "healthy" in result.output and "warning:" not in result.output
    html = (run / "report.html").read_text()
    assert_self_contained(html)
    assert html.count("<svg") >= 4  # losses, D(x)/D(G(z)), images/s, diversity
    assert html.count("data:image/jpeg") == 3
    assert "D(G(z))" in html and "resumed at step 300" in html and "Healthy" in html
    assert warnings_of(run) == {}


def test_output_option_and_atomic_write(tmp_path):
    run = make_run(tmp_path, adversarial_rows(), grids=diverse_grids([600]))
    out = tmp_path / "elsewhere" / "r.html"
    out.parent.mkdir()
    result = invoke("report", str(run), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file() and not (run / "report.html").exists()
    assert [p.name for p in out.parent.iterdir()] == ["r.html"]  # no temporary left


# ----- the warnings ------------------------------------------------------------
def test_discriminator_winning_is_reported_with_its_steps(tmp_path):
    late = {"d_fake": lambda i, v: 0.01 if i >= 30 else v,
            "d_real": lambda i, v: 0.99 if i >= 30 else v,
            "d_loss": lambda i, v: 0.02 if i >= 30 else v}
    run = make_run(tmp_path, adversarial_rows(**late))
    found = warnings_of(run)
    assert set(found) == {"d-wins"}
    assert (found["d-wins"].first_step, found["d-wins"].last_step) == (310, 600)
    result = invoke("report", str(run))
    assert "warning: the discriminator wins outright" in result.output
    assert "Try:" in result.output


def test_short_d_spike_is_not_a_warning(tmp_path):
    spike = {"d_loss": lambda i, v: 0.01 if 10 <= i < 13 else v}
    assert warnings_of(make_run(tmp_path, adversarial_rows(**spike))) == {}


def test_wgan_critic_loss_is_not_read_as_d_winning(tmp_path):
    negative = {"d_loss": lambda i, v: -5.0 - i}
    assert "d-wins" not in warnings_of(make_run(tmp_path, adversarial_rows(**negative),
                                                loss="wgan-gp"))


def test_generator_loss_diverging_is_reported(tmp_path):
    grow = {"g_adv": lambda i, v: v if i < 30 else 1.2 * math.exp((i - 30) / 8)}
    found = warnings_of(make_run(tmp_path, adversarial_rows(**grow)))
    assert set(found) == {"g-diverges"}
    assert found["g-diverges"].last_step == 600


def test_slowly_rising_generator_loss_is_not_divergence(tmp_path):
    rise = {"g_adv": lambda i, v: 1.0 + 0.3 * i / 60}
    assert warnings_of(make_run(tmp_path, adversarial_rows(**rise))) == {}


def test_diversity_collapse_from_the_grids(tmp_path):
    run = make_run(tmp_path, adversarial_rows(),
                   grids=diverse_grids([100, 200, 300, 400, 500, 600], collapse_from=400))
    found = warnings_of(run)
    assert set(found) == {"diversity"}
    assert (found["diversity"].first_step, found["diversity"].last_step) == (400, 600)
    values = dict(collect(run)["diversity"])
    assert values[600] == 0.0 and values[100] > 0.2


def test_non_finite_values_are_reported(tmp_path):
    rows = adversarial_rows()
    rows[40]["g_adv"] = rows[41]["g_adv"] = None  # how runlog writes NaN
    found = warnings_of(make_run(tmp_path, rows))
    assert found["non-finite"].first_step == 410 and found["non-finite"].last_step == 420


# ----- reading metrics.jsonl -----------------------------------------------------
def test_truncated_last_line_is_skipped(tmp_path):
    run = make_run(tmp_path, adversarial_rows(), tail='{"step": 610, "d_loss": 0.9, "g_')
    data = collect(run)
    assert data["metrics"].steps[-1] == 600
    assert any("truncated" in note for note in data["metrics"].notes)
    result = invoke("report", str(run))
    assert result.exit_code == 0, result.output
    assert "truncated last line skipped" in (run / "report.html").read_text()


def test_resumed_run_keeps_the_later_value_of_a_repeated_step():
    lines = [{"step": 10, "g_loss": 1.0}, {"step": 20, "g_loss": 2.0},
             {"step": 30, "g_loss": 3.0}, {"step": 20, "g_loss": 5.0},
             {"step": 30, "g_loss": 6.0, "images_per_s": 8.0}]
    metrics = parse_metrics("".join(json.dumps(r) + "\n" for r in lines) + "\n\n")
    assert metrics.series("g_loss") == [(10, 1.0), (20, 5.0), (30, 6.0)]
    assert any("logged twice" in note for note in metrics.notes)
    assert estimated_wall_time(metrics, batch_size=4) == pytest.approx(30 * 4 / 8.0)


def test_non_finite_json_tokens_are_nan():
    metrics = parse_metrics('{"step": 1, "g_loss": NaN, "d_loss": null}\n')
    assert all(math.isnan(v) for _, v in metrics.series("g_loss") + metrics.series("d_loss"))


# ----- supervised runs, grids, errors ---------------------------------------------
def test_supervised_run_has_only_loss_curves(tmp_path):
    rows = [{"step": 10 * (i + 1), "g_loss": 0.3 - 0.002 * i, "l1_hole": 0.2 - 0.001 * i,
             "l1_valid": 0.1 - 0.001 * i, "images_per_s": 12.0} for i in range(40)]
    grids = diverse_grids([200, 400], collapse_from=400)  # no diversity check either
    run = make_run(tmp_path, rows, grids=grids)
    data = collect(run)
    assert [f.check for f in data["findings"]] == ["supervised"]
    result = invoke("report", str(run))
    assert result.exit_code == 0 and "supervised run" in result.output
    html = (run / "report.html").read_text()
    assert_self_contained(html)
    assert "D(G(z))" not in html and "task loss: l1_hole" in html and "diversity" not in html


def test_layout_of_plain_and_comparison_grids():
    rng = np.random.default_rng(2)
    plain = grid_array(rng.integers(0, 200, (64, 28, 28)).astype(np.uint8), 8)
    layout = infer_layout(plain, 64)
    assert (layout.nrow, layout.ncol, layout.tile_h, layout.kind) == (8, 8, 28, "plain")
    assert infer_layout(plain).kind == "plain"  # without the config's n_samples
    rows = grid_array(rng.integers(0, 200, (24, 20, 20)).astype(np.uint8), 8)  # 3 rows of 8
    layout = infer_layout(np.stack([rows] * 3, axis=-1), 64)
    assert (layout.nrow, layout.ncol, layout.kind) == (3, 8, "comparison")
    same = np.zeros((5, 6, 6), np.float32)
    assert mean_pairwise_distance(same) == 0.0
    assert mean_pairwise_distance(np.stack([same[0], same[0] + 1])) == pytest.approx(1.0)


def test_missing_folder_and_not_a_run_are_one_line_errors(tmp_path):
    result = invoke("report", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {tmp_path / 'nope'}: no such folder"]
    (tmp_path / "empty").mkdir()
    result = invoke("report", str(tmp_path / "empty"))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "not a run folder (no config.json)" in result.output


def test_report_modules_import_neither_torch_nor_numpy_nor_pillow():
    code = ("import sys; import gantools.commands.report, gantools.report.build, "
            "gantools.report.html; print(sorted(m for m in ('torch', 'numpy', 'PIL') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# ----- a real run ---------------------------------------------------------------
def test_report_on_a_real_two_step_run(tiny_idx, tmp_path):
    run = tmp_path / "run"
    result = invoke("train", "generate", "--data", str(tiny_idx), "--out", str(run),
                    "--steps", "2", "--width", "8", "--batch-size", "8", "--log-every", "1",
                    "--sample-every", "1", "--n-samples", "16", "--checkpoint-every", "2",
                    "--no-progress", "--workers", "0")
    assert result.exit_code == 0, result.output
    result = invoke("report", str(run))
    assert result.exit_code == 0, result.output
    html = (run / "report.html").read_text()
    assert_self_contained(html)
    assert html.count("data:image/jpeg") == 2 and "D(x)" in html
    data = collect(run)
    assert data["metrics"].steps == [1, 2] and len(data["diversity"]) == 2


def test_run_with_no_metrics_yet(tmp_path):
    run = make_run(tmp_path, [], grids=diverse_grids([100]))
    result = invoke("report", str(run))
    assert result.exit_code == 0, result.output
    assert "no metrics logged yet" in result.output
    assert_self_contained((run / "report.html").read_text(), plots=False)
