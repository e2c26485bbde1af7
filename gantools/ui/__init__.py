"""``gantools ui``: every installed task in a local web page (gradio, an optional extra).

Each task's tab comes from its :meth:`gantools.task.Task.ui_tab` hook; image tasks get
a default tab (:mod:`.image_tab`). Nothing here is imported by the rest of gantools,
and gradio is imported only when the page is built (:func:`.offline.gradio`), after
the environment has been set for offline use.

Modules: ``offline`` (imports gradio with analytics, share links and version checks
off), ``context`` (models, limits and the result folder a tab uses), ``errors`` (one
line on the page, never a traceback), ``widgets`` (model choice, option controls,
progress), ``image_run`` (one uploaded image through the batch pipeline's steps),
``image_tab`` (the default tab of an image task), ``app`` (one tab per task) and
``server`` (start, address, host warning).
"""
