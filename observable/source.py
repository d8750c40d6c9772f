"""Where code comes from: the user's own modules, or an installed library or the stdlib.

The rule decides which classes are observed as objects and which methods run bound to
a proxy. A module counts as the user's unless its file lies under the standard library
or an installed-packages directory; modules without a file (``__main__`` in a REPL,
classes made by ``exec``) count as the user's.
"""

from __future__ import annotations

import functools
import os
import site
import sys
import sysconfig
from typing import Any

__all__ = ["is_user_class", "is_user_function", "is_user_module"]

_OWN_PACKAGE = __name__.partition(".")[0]


@functools.cache
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[name] for name in ("stdlib", "platstdlib", "purelib", "platlib") if name in paths}
    roots.update(getattr(site, "getsitepackages", list)())
    user_site = getattr(site, "getusersitepackages", lambda: None)()
    if isinstance(user_site, str):
        roots.add(user_site)
    return tuple(os.path.join(os.path.realpath(root), "") for root in roots if root)


@functools.lru_cache(maxsize=4096)
def is_user_module(module_name: str | None) -> bool:
    """Tell whether the module named ``module_name`` is the user's own code."""
    if not module_name or module_name == "builtins":
        return False
    if module_name.partition(".")[0] in (_OWN_PACKAGE, "observable_streamlit", "observable_gradio"):
        return False
    module = sys.modules.get(module_name)
    filename = getattr(module, "__file__", None)
    if not filename:
        return module is None or not getattr(module, "__spec__", None) or module_name == "__main__"
    real = os.path.realpath(filename)
    return not real.startswith(_library_roots())


def is_user_class(kind: type) -> bool:
    """Tell whether ``kind`` was defined in the user's own code."""
    return is_user_module(getattr(kind, "__module__", None))


def is_user_function(function: Any) -> bool:
    """Tell whether ``function`` is a Python function defined in the user's own code."""
    return is_user_module(getattr(function, "__module__", None))
