"""Dropping finished history from a live workflow, so year three costs what day one did.

SpiffWorkflow never prunes its task tree: every pass through a loop, every
recurring report and every finished call activity stays in the workflow, so
restoring, running and saving it grow slower with the case's age (and the
tree's recursive walks eventually exceed Python's recursion limit). The
history users read lives in the event table, so the live state only needs the
part of the tree that a later step can still read.

What SpiffWorkflow 3.2 reads outside a task's own subtree (and so what must
survive), besides the unfinished tasks themselves:

* Gateway joins (``UnstructuredJoin``: parallel, inclusive, the end join).
  The parallel join lists every instance of its spec, compares ancestry with
  ``is_descendant_of`` and walks up from them to the nearest task whose spec is
  one of its inputs; it also reads the parent of unrelated instances. The
  inclusive join walks the tree from the root down to its instances and reads
  their parents. Every join merges the parent data of its earlier finished
  instances when it runs: for the process's end join these are the branches
  that ended before the process did (a reminder, a periodic report), whose data
  SpiffWorkflow merges into the process's final data.
* Boundary-event and start-event joins find their split with ``find_ancestor``.
* A call activity copies ``last_task.data`` of its subprocess when it ends,
  and ``workflow.last_task`` is the "current data" of a finished step.
* Multi-instance and loop tasks keep their bookkeeping on the task itself and
  its children; while they run they are unfinished, so their subtree stays.

Compaction keeps the root task and the subtree of one *anchor* task and drops
the rest (with the subprocesses of the dropped tasks), except for the end
join's finished instances, each kept under its parent (the end event that
ended the branch) and hung from the root after the anchor. The anchor is the
deepest task that is an ancestor of every unfinished task, of the split every
unfinished event join will look for, and of ``last_task``; it is then moved up
until the part it would drop holds no instance of a join (other than the end
join, which reads nothing else) that an unfinished task can still reach in the
diagram, and no task whose spec is an input of such a join. So every dropped
task is finished and none of the reads above can meet it: every later step
behaves as it would on the whole tree. What stays is the live tree (constant
in a loop) and one end-event task per ended branch.
(tests/engine/test_differential.py checks this against the plain engine.)
"""
from __future__ import annotations

from typing import Any, Iterable

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
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
    needed = list(live)
    for task in live:
        split = getattr(task.task_spec, "split_task", None)
        if split is not None:
            ancestor = task.find_ancestor(split)
            if ancestor is not None:
                needed.append(ancestor)
    last = workflow.last_task
    if last is not None and last.workflow is workflow and last.id in workflow.tasks:
        needed.append(last)

    path = _common_path(needed)
    path = _safe_prefix(path, _read_specs(workflow, live))
    if len(path) < 3:  # the anchor is the root or its child: nothing to drop
        return 0
    anchor = path[-1]
    keep = {root.id}
    stack = [anchor]
    while stack:
        task = stack.pop()
        keep.add(task.id)
        stack.extend(task.children)
    ends = _finished_end_joins(workflow, keep)
    dropped = [tid for tid in workflow.tasks if tid not in keep and tid not in ends]
    for tid in dropped:
        del workflow.tasks[tid]
    # the end join's earlier instances, each under the end event it came from, hang from the root after the anchor
    grafts = []
    for end_join in sorted((workflow.tasks[tid] for tid in ends if tid in workflow.tasks and
                            isinstance(workflow.tasks[tid].task_spec, _EndJoin)), key=lambda t: t.last_state_change):
        end_event = workflow.tasks[end_join._parent]
        end_event._parent = root.id
        end_event._children = [end_join.id]
        end_join._children = []
        grafts.append(end_event.id)
    root._children = [anchor.id, *grafts]
    anchor._parent = root.id
    return len(dropped)


def _finished_end_joins(workflow: Any, keep: set[Any]) -> set[Any]:
    """Ids of the finished end-join instances outside ``keep`` and of their parents (the end events).

    The end join merges the data of the parent of each earlier finished instance when it finally runs,
    so these pairs are kept (and nothing above or below them).
    """
    found: set[Any] = set()
    for task in workflow.tasks.values():
        if (task.id not in keep and isinstance(task.task_spec, _EndJoin) and task.has_state(TaskState.FINISHED_MASK)
                and task.parent is not None):
            found.update((task.id, task.parent.id))
    return found


def _path(task: Any) -> list[Any]:
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    chain.reverse()
    return chain


def _common_path(tasks: list[Any]) -> list[Any]:
    """The path from the root to the deepest finished common ancestor of ``tasks``."""
    common = _path(tasks[0])
    for task in tasks[1:]:
        length = 0
        for mine, theirs in zip(common, _path(task)):
            if mine is not theirs:
                break
            length += 1
        common = common[:length]
    # never cut above a task that can still change: the anchor itself must be finished
    while common and not common[-1].has_state(TaskState.FINISHED_MASK):
        common.pop()
    return common


def _read_specs(workflow: Any, live: list[Any]) -> set[str]:
    """Names of the join specs an unfinished task can still reach, and of their inputs."""
    seen: set[str] = set()
    stack = [t.task_spec for t in live]
    joins = []
    while stack:
        spec = stack.pop()
        if spec.name in seen:
            continue
        seen.add(spec.name)
        if isinstance(spec, UnstructuredJoin):
            joins.append(spec)
        stack.extend(spec.outputs)
    names = set()
    for join in joins:
        if isinstance(join, _EndJoin):
            continue  # it reads only unfinished tasks and its earlier instances with their parents: kept apart
        names.add(join.name)
        names.update(i.name for i in join.inputs)
    return names


def _safe_prefix(path: list[Any], read: set[str]) -> list[Any]:
    """The longest prefix of ``path`` whose last task can be the anchor without dropping a read task.

    Cutting at ``path[i]`` drops ``path[1:i]`` and every subtree hanging off
    ``path[0:i]`` other than the path itself.
    """
    if not read:
        return path
    best = min(1, len(path) - 1)
    for i in range(1, len(path)):
        if i > 1 and path[i - 1].task_spec.name in read:
            break
        if _any_read((c for c in path[i - 1].children if c is not path[i]), read):
            break
        best = i
    return path[: best + 1]


def _any_read(tasks: Iterable[Any], read: set[str]) -> bool:
    stack = list(tasks)
    while stack:
        task = stack.pop()
        if task.task_spec.name in read:
            return True
        stack.extend(task.children)
    return False


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
