"""No import circles between aio's modules, also not through `TYPE_CHECKING` or imports inside
functions: each circle found is named, module by module."""

from __future__ import annotations

from import_graph import circles, import_graph


def test_no_module_imports_one_that_imports_it() -> None:
    found = circles(import_graph())
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_graph_sees_type_checking_and_function_imports() -> None:
    graph = import_graph()
    # Under TYPE_CHECKING in the bridge; inside a function in the CLI dispatcher.
    assert "aio.jobs.manager" in graph["aio.web.bridge"]
    assert "aio.app" in graph["aio.cli"]


def test_a_circle_is_found_and_named() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c", "a"]]
