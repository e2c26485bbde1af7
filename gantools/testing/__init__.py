"""The plugin contract test: run it in your plugin's own test suite.

::

    from gantools.testing import check_task
    from my_plugin.task import task

    def test_gantools_contract(tmp_path):
        check_task(task, tmp_path, config={"width": 8, "blocks": 1, "patch": 32})

or, as a pytest class (no pytest import needed here)::

    from gantools.testing import TaskContract

    class TestMyTask(TaskContract):
        task = task
        config = {"width": 8, "blocks": 1, "patch": 32}

:func:`check_task` checks, in order: the class attributes (``name``, ``summary``,
``Config`` with defaults and help texts, ``api_version``, ...), the entry point, that the task's
module imports without torch, ``build`` on the small config, one training pair
through ``make_pair`` and the losses, a 2-step run of :func:`gantools.train` on a
generated image folder, :func:`export_run`,
:func:`gantools.load`, and, for an :class:`~gantools.task.ImageTask`, inference from
Python (PIL, NumPy, tensor) and from the shell (``gantools NAME in.png --weights
W``), tiled against untiled (on perturbed weights, so that a too small
``tile_overlap`` shows), and ``gantools eval NAME``. Every failure is an
``AssertionError`` whose message starts with the contract rule that failed.

Importing this package is cheap: torch and the engine are imported when a check runs
(its modules: attributes, registration, networks, training, inference, commands,
fixtures, rules; contract puts them together).
"""

from gantools.testing.attributes import NAME_RE as NAME_RE
from gantools.testing.attributes import check_attributes
from gantools.testing.contract import DEFAULT_EVAL_ARGS as DEFAULT_EVAL_ARGS
from gantools.testing.contract import ContractReport, TaskContract, check_task
from gantools.testing.fixtures import make_image_folder

__all__ = ["ContractReport", "TaskContract", "check_attributes", "check_task", "make_image_folder"]
