"""The types users annotate their helpers with have public names: the views and `TokenProvider`
in `liveops_async`, every generated resource class in `liveops_async.resources`; and naming
them keeps `import liveops_async` cheap."""

from __future__ import annotations

import subprocess
import sys

import liveops_async
import liveops_async.resources
from liveops_async import LiveOpsClient, _auth
from liveops_async._generated import resources as generated
from tests._package_classes import classes_defined_in


def test_resources_module_names_every_generated_class_and_nothing_else() -> None:
    # The generated files themselves, not the generated `__all__` this module re-exports.
    classes = classes_defined_in(generated)
    assert len(classes) > 40  # 14 admin areas and their raw twins, the user and guest ones, views
    assert liveops_async.resources.__all__ == sorted(classes)
    for name, cls in classes.items():
        assert getattr(liveops_async.resources, name) is cls
    star: dict[str, object] = {}
    exec("from liveops_async.resources import *", star)  # what a user's `import *` gets
    del star["__builtins__"]
    assert star == classes


def test_views_and_token_provider_are_top_level_names() -> None:
    for name in ("AdminResources", "UserResources", "GuestResources", "TokenProvider"):
        assert name in liveops_async.__all__
    assert liveops_async.TokenProvider is _auth.TokenProvider
    client = LiveOpsClient(project_id=1, api_key="k")
    assert type(client.admin) is liveops_async.AdminResources
    assert type(client.user("a.b.c")) is liveops_async.UserResources
    assert type(client.guest("guest-1", "guest@example.com")) is liveops_async.GuestResources
    assert type(client.admin.coupons) is liveops_async.resources.AdminCouponsResource


def test_token_provider_is_cheap_and_the_views_load_the_engine_on_first_use() -> None:
    code = (
        "import sys, liveops_async\n"
        "heavy = ('aiohttp', 'liveops_async._engine', 'liveops_async.resources')\n"
        "liveops_async.TokenProvider\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "liveops_async.UserResources\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.splitlines() == [
        "[]",
        "['aiohttp', 'liveops_async._engine', 'liveops_async.resources']",
    ]
