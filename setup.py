"""The optional C extension (liveops_async._speedups: response structuring); everything else is
in pyproject.toml. Built when a C compiler and the Python headers are there; otherwise the
install goes on without it and the same rules run in Python (`_structure`). Set
LIVEOPS_ASYNC_NO_EXTENSIONS=1 to install without building it."""

import os

from setuptools import Extension, setup

NO_EXTENSIONS = os.environ.get("LIVEOPS_ASYNC_NO_EXTENSIONS", "") not in ("", "0")

setup(
    ext_modules=[]
    if NO_EXTENSIONS
    else [
        Extension(
            "liveops_async._speedups",
            ["liveops_async/_speedups.c"],
            optional=True,  # no compiler: a pure-Python install
        )
    ]
)
