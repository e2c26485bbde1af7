"""--labels-from-name / --label-map: classes from file names, and readable --class."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from gantools.data.name_labels import parse_name_labels

UTK = r"^(?P<age>\d+)_(?P<gender>[01])_"
UTK_MAP = "age=0-12:child,13-59:adult,60-:senior;gender=0:male,1:female"


def test_groups_map_to_readable_classes_in_map_order():
    labels = parse_name_labels(UTK, UTK_MAP)
    stems = ["61_1_0_2017", "5_0_2_2016", "30_1_3_2017", "30_0_1_2017", "bad_name",
             "30_2_0_2017"]
    classes, index = labels.assign(stems)
    assert classes == ["child male", "adult male", "adult female", "senior female"]
    assert [classes[k] if k is not None else None for k in index] == [
        "senior female", "child male", "adult female", "adult male", None, None]


def test_unmapped_groups_keep_their_raw_value_and_numbered_groups_work():
    classes, index = parse_name_labels(r"^([a-z]+)-").assign(["cat-1", "dog-2", "cat-3", "x"])
    assert classes == ["cat", "dog"] and index == [0, 1, 0, None]


def test_ranges_are_inclusive_and_open_ended():
    labels = parse_name_labels(r"^(\d+)_", "1=-12:young,13-19:teen,20-:old")
    assert [labels.parts(f"{a}_x")[0][1] for a in (0, 12, 13, 19, 20, 99)] == [
        "young", "young", "teen", "teen", "old", "old"]


@pytest.mark.parametrize("pattern, mapping, message", [
    ("(", "", "not a regular expression"),
    ("^abc", "", "needs at least one group"),
    (UTK, "height=1:tall", "start with one of the pattern's groups"),
    (UTK, "age=12", "write value:name"),
])
def test_bad_specs_are_refused_in_one_line(pattern, mapping, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_name_labels(pattern, mapping)
    assert "\n" not in str(info.value)


def faces_folder(tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i, name in enumerate(["3_0_0_a", "4_1_0_b", "30_0_1_c", "31_1_2_d", "70_1_0_e",
                              "noage_0_0_f"]):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(
            folder / f"{name}.jpg")
        del i
    return folder


def test_training_records_class_names_and_generate_accepts_them(tmp_path, capsys):
    from gantools.api import load
    from gantools.commands.export import export_run
    from gantools.engine.config import TrainConfig
    from gantools.engine.trainer import Trainer
    from gantools.plugins.generate.noise import class_index
    from gantools.plugins.generate.task import GenerateConfig, task

    out = tmp_path / "run"
    cfg = TrainConfig(data=str(faces_folder(tmp_path)), out=str(out), steps=2, batch_size=2,
                      threads=1, workers=0, sample_every=0, labels_from_name=UTK,
                      label_map=UTK_MAP)
    trainer = Trainer(task, GenerateConfig(size=32, width=8), cfg, progress=False)
    trainer.run()
    assert "1 of 6 files left out" in capsys.readouterr().err
    tcfg = trainer.task_cfg
    assert tcfg.num_classes == 5
    assert tcfg.class_names.split("|") == ["child male", "child female", "adult male",
                                           "adult female", "senior female"]
    assert tcfg.class_counts == "1|1|1|1|1"
    weights = tmp_path / "faces.safetensors"
    export_run(out, weights)
    model = load(task, weights=str(weights))
    assert model.card["class_names"][3] == "adult female"
    assert class_index(model.config, "Adult Female") == 3 and class_index(model.config, "4") == 4
    with pytest.raises(ValueError, match="choose a class name"):
        class_index(model.config, "teen male")
    assert task.sample(model.generator, model.config, 3, label="senior female").shape == (
        3, 3, 32, 32)


def test_label_map_without_pattern_is_refused(tmp_path):
    from gantools.engine.config import TrainConfig
    from gantools.engine.trainer import Trainer, TrainingError
    from gantools.plugins.generate.task import GenerateConfig, task

    with pytest.raises(TrainingError, match="--label-map needs --labels-from-name"):
        Trainer(task, GenerateConfig(size=32), TrainConfig(data="x", out=str(tmp_path / "r"),
                                                            label_map="a=1:b"))


def test_class_frequencies_drive_unconditioned_samples():
    import numpy as np

    from gantools.plugins.generate.noise import draw_classes
    from gantools.plugins.generate.task import GenerateConfig

    cfg = GenerateConfig(num_classes=3, class_counts="0|1|9")
    drawn = draw_classes(cfg, 2000, np.random.default_rng(0))
    share = np.bincount(drawn, minlength=3) / 2000
    assert share[0] == 0 and 0.85 < share[2] < 0.95
    uniform = draw_classes(GenerateConfig(num_classes=3), 3000, np.random.default_rng(0))
    assert np.bincount(uniform, minlength=3).min() > 900
