"""The public API is what `__all__` says: every name listed exists, and nothing public is
left out of it (httpx's test_exported_members, applied to each public package)."""

import importlib

import pytest

PUBLIC_PACKAGES = ["trimtab", "trimtab.domain", "trimtab.domain.filters"]


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and getattr(v, "__module__", name).startswith(name)
        and not isinstance(v, type(importlib))
    }
    assert public <= exported, f"public but not in __all__: {public - exported}"
    assert all(hasattr(module, n) for n in exported)
