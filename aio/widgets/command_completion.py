"""Tab completion for the command bar (pure: no Textual): verbs, then a job's number or name
after a job verb, a task's name after `r`."""

from __future__ import annotations

from aio.widgets.command_grammar import JOB_VERBS, VERBS


def candidates(text: str, jobs: dict[int, dict], tasks: list[dict]) -> tuple[str, list[str]]:
    """What the last word of `text` may become: (the text before that word, the choices in
    order). No choices: nothing to complete there."""
    if " " not in text.lstrip():
        word = text.lstrip()
        return "", [verb for verb in VERBS if verb.startswith(word)]
    verb, _, argument = text.lstrip().partition(" ")
    head = f"{verb} "
    argument = argument.lstrip()
    if " " in argument:
        return text, []
    if verb in JOB_VERBS:
        bare = argument.removeprefix("#")
        numbers = [str(n) for n in sorted(jobs, reverse=True)]
        names = sorted({job["name"] for job in jobs.values()})
        found = [c for c in numbers + names if c.startswith(bare)]
        return head, found
    if verb == "r":
        names = sorted({task["name"] for task in tasks})
        return head, [name for name in names if name.startswith(argument)]
    return text, []


def complete(text: str, jobs: dict[int, dict], tasks: list[dict]) -> tuple[str, list[str]]:
    """`text` completed as far as it is certain (a single choice, with a space after it; else
    the choices' common start), and the choices (several: the user picks with Tab again)."""
    head, found = candidates(text, jobs, tasks)
    if not found:
        return text, []
    if len(found) == 1:
        return f"{head}{found[0]} ", found
    common = _common_start(found)
    word = text[len(head) :].lstrip().removeprefix("#") if head else text.lstrip()
    if len(common) > len(word):
        return f"{head}{common}", found
    return text, found


def _common_start(words: list[str]) -> str:
    first, last = min(words), max(words)
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first[: len(first) if size is None else size]
