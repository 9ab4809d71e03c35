"""Dropping finished history from a live workflow, so year three costs what day one did.

SpiffWorkflow never prunes its task tree: every pass through a loop, every
recurring report and every finished call activity stays in the workflow, so
restoring, running and saving it grow slower with the case's age (and the
tree's recursive walks eventually exceed Python's recursion limit). The
history users read lives in the event table, so the live state only needs the
part of the tree that can still change.

Compaction keeps the root task and the subtree of the deepest task that is an
ancestor of every unfinished task; everything else is finished and is dropped,
with the subprocesses of the dropped tasks. Each remaining task carries its
complete data, so nothing a later step can read is lost.
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState


def compact(workflow: Any) -> int:
    """Compact the workflow and its subprocesses in place; returns the number of tasks dropped."""
    dropped = _compact_tree(workflow)
    for subprocess in list(workflow.subprocesses.values()):
        dropped += _compact_tree(subprocess)
    dropped += _drop_orphan_subprocesses(workflow)
    return dropped


def _compact_tree(workflow: Any) -> int:
    root = workflow.task_tree
    live = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if root is None or not live:
        return 0
    anchor = _deepest_common_ancestor(live)
    if anchor is None or anchor is root or anchor.parent is root:
        return 0

    keep = {root.id}
    stack = [anchor]
    while stack:
        task = stack.pop()
        keep.add(task.id)
        stack.extend(task.children)
    dropped = [tid for tid in workflow.tasks if tid not in keep]
    for tid in dropped:
        del workflow.tasks[tid]
    root._children = [anchor.id]
    anchor._parent = root.id
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = anchor
    return len(dropped)


def _deepest_common_ancestor(tasks: list[Any]) -> Any:
    def path(task: Any) -> list[Any]:
        chain = []
        while task is not None:
            chain.append(task)
            task = task.parent
        chain.reverse()
        return chain

    common = path(tasks[0])
    for task in tasks[1:]:
        other = path(task)
        length = 0
        for mine, theirs in zip(common, other):
            if mine is not theirs:
                break
            length += 1
        common = common[:length]
    # the common ancestor must itself be finished: never cut above a task that can still change
    while common and not common[-1].has_state(TaskState.FINISHED_MASK) and common[-1] is not tasks[0]:
        common.pop()
    return common[-1] if common else None


def _drop_orphan_subprocesses(workflow: Any) -> int:
    dropped = 0
    while True:
        present = set(workflow.tasks)
        for subprocess in workflow.subprocesses.values():
            present.update(subprocess.tasks)
        orphans = [tid for tid in workflow.subprocesses if tid not in present]
        if not orphans:
            return dropped
        for tid in orphans:
            dropped += len(workflow.subprocesses.pop(tid).tasks)
