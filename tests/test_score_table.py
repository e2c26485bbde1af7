"""The per-image score table keeps its columns aligned whatever the image names."""

from dataclasses import dataclass

from gantools.score_table import Column, per_image_table


@dataclass(frozen=True)
class Row:
    name: str
    psnr: float


def test_long_names_widen_the_name_column_and_keep_columns_aligned() -> None:
    rows = [Row("a", 10.0), Row("hubble_deep_field_long_name", 30.0)]
    table = per_image_table(rows, [Column("PSNR", 6, ".2f", "psnr")])
    lines = table.splitlines()
    assert lines[0].startswith("image") and lines[0].endswith("PSNR")
    numbers = [line for line in lines if not line.startswith(("image", "-"))]
    assert [line.split()[-1] for line in numbers] == ["10.00", "30.00", "20.00"]
    assert len({len(line) for line in lines}) == 1  # every row ends in the same column
    assert "hubble_deep_field_long_name" in table  # the name is not cut


def test_short_names_keep_the_default_width() -> None:
    table = per_image_table([Row("x", 1.0)], [Column("PSNR", 6, ".2f", "psnr")], name_width=14)
    assert table.splitlines()[2] == f"{'x':<14}   1.00"


def test_clip_names_cuts_long_names_to_the_width() -> None:
    table = per_image_table([Row("abcdefghij", 1.0)], [Column("PSNR", 6, ".2f", "psnr")],
                            name_width=4, clip_names=True)
    assert table.splitlines()[2] == "abcd   1.00"
