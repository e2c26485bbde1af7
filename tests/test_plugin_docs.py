"""docs/plugins.md runs as written: its Python blocks, executed in order in one
namespace (with the example plugin importable), give a task that passes the contract,
and its hand-written eval command scores a trained model; its task block is the
example's task.py."""

from __future__ import annotations

import re
import sys
import tomllib
import types

import pytest
from conftest import REPO

DOC = REPO / "docs" / "plugins.md"
EXAMPLE = REPO / "examples" / "plugin-denoise"
TINY = {"width": 8, "blocks": 1, "patch": 32, "d_width": 8, "d_layers": 2}


def blocks(language: str) -> list[str]:
    """The fenced code blocks of the page in ``language``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text(), re.S | re.M)


@pytest.fixture(scope="module")
def docs_namespace():
    """Every Python block of the page, run in order in one namespace."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(EXAMPLE))
        module = types.ModuleType("plugin_docs")
        mp.setitem(sys.modules, "plugin_docs", module)
        for code in blocks("python"):
            exec(compile(code, str(DOC), "exec", dont_inherit=True), module.__dict__)
        yield module.__dict__
    for name in [m for m in sys.modules if m.split(".")[0] == "gantools_denoise"]:
        del sys.modules[name]


def test_the_page_has_the_blocks_this_test_relies_on():
    code = blocks("python")
    assert len(code) >= 5
    assert any("class DenoiseTask(RestorationTask)" in c for c in code)
    assert any("def denoise_eval_command(task)" in c for c in code)


def test_the_task_block_is_the_examples_task_module():
    source = (EXAMPLE / "gantools_denoise" / "task.py").read_text()
    block = next(c for c in blocks("python") if "class DenoiseTask(RestorationTask)" in c)
    assert block in source, "docs/plugins.md section 2 differs from the example's task.py"


def test_the_toml_blocks_parse_and_name_the_examples_entry_point():
    project = tomllib.loads(blocks("toml")[0])
    example = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    group = project["project"]["entry-points"]["gantools.plugins"]
    assert group == example["project"]["entry-points"]["gantools.plugins"]
    for code in blocks("toml")[1:]:
        tomllib.loads(code)


def test_the_docs_generator_is_the_examples(docs_namespace):
    from gantools_denoise.models import ResidualDenoiser

    ours, theirs = docs_namespace["ResidualDenoiser"](8, 2), ResidualDenoiser(8, 2)
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: v.shape for k, v in theirs.state_dict().items()}


def test_the_docs_task_passes_the_contract_and_its_eval_command_runs(docs_namespace,
                                                                     tmp_path):
    from click.testing import CliRunner

    from gantools.testing import check_task

    task = docs_namespace["DenoiseTask"]()
    report = check_task(task, tmp_path, config=TINY, installed=False,
                        eval_args=["--data", "{data}", "--weights", "{weights}",
                                   "--device", "{device}", "--sigma", "15"])
    assert {"tiling", "eval"} <= set(report.checked)

    command = docs_namespace["denoise_eval_command"](task)
    result = CliRunner().invoke(command, ["--data", str(report.data), "--weights",
                                          str(report.weights), "--device", "cpu",
                                          "--sigma", "20"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split() == ["image", "noisy", "PSNR", "blur", "PSNR", "model", "PSNR",
                                "SSIM"]
    images = sorted(p.stem for p in report.data.glob("*.png"))
    assert [line.split()[0] for line in lines[2:2 + len(images)]] == images
    assert lines[-1].startswith("mean")
    noisy, blur, model = (float(x) for x in lines[-1].split()[1:4])
    assert 15 < noisy < 30 and blur > noisy  # sigma 20: a blur already helps

    (tmp_path / "empty").mkdir()
    empty = CliRunner().invoke(command, ["--data", str(tmp_path / "empty"), "--weights",
                                         str(report.weights), "--device", "cpu"])
    assert empty.exit_code == 1 and "no images to evaluate" in empty.output
    assert empty.output.count("\n") == 1  # one line, no traceback
