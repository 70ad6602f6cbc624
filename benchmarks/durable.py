"""What the durable functions plugin costs per step: its hooks alone, and a whole execution.

    python -m benchmarks.durable [--quick] [--out DIR]

Two measurements, the plugin (``boto3_idempotent.durable.IdempotentSteps``) against the
same durable execution SDK without it:

- ``hooks``: one plugin instance's ``on_user_function_start`` and ``on_user_function_end``,
  the pair every step runs (entering the step's key scope and leaving it), timed in a
  loop: the plugin's own work per step. Issue 33's budget: at most 20 µs per step.
- ``execution``: a handler of ``steps`` empty steps run to its end on the SDK's local
  runner (``DurableFunctionTestRunner``: real checkpoints), with and without the plugin,
  alternating; the difference per step includes the SDK's own dispatch to a plugin
  (building each hook's info), which any plugin pays. Noisy: the runner's checkpoints
  cost far more than either.

No AWS call is made: the plugin's cost per *call* is that of a key scope
(``idempotency_key``), which ``overhead.py`` and ``cold_path.py`` measure.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

if __package__ in (None, ""):
    # Run as a script: import the package from the checkout, not modules from this folder.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.harness import Json, alternate, settle, spread
from benchmarks.runner import Scenario, main

BUDGET_US = 20.0  # issue 33: per step, over the SDK without the plugin
SECRET = "benchmark-secret"  # noqa: S105  (the benchmark's own keys)


@dataclass(frozen=True)
class Sizes:
    """How much work the scenario does."""

    hook_pairs: int  # start/end pairs per timed batch
    hook_batches: int
    steps: int  # steps per execution
    executions: int  # (without, with) pairs of executions


FULL = Sizes(hook_pairs=20_000, hook_batches=15, steps=40, executions=30)
QUICK = Sizes(hook_pairs=200, hook_batches=2, steps=3, executions=1)


def run(_session: boto3.session.Session, quick: bool) -> Json:
    """Both measurements; a note instead when the SDK is not installed."""
    sizes = QUICK if quick else FULL
    try:
        import aws_durable_execution_sdk_python_testing  # noqa: F401, PLC0415
    except ImportError:
        return {"skipped": "the durable execution SDK is not installed (the tests extra)"}
    hooks = _hooks(sizes)
    execution = _execution(sizes)
    return {
        "budget_us_per_step": BUDGET_US,
        "hooks": hooks,
        "execution": execution,
        "within_budget": hooks["us_per_step"]["median"] <= BUDGET_US,
    }


def _hooks(sizes: Sizes) -> Json:
    from boto3_idempotent.durable import IdempotentSteps  # noqa: PLC0415

    arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"
    plugin = IdempotentSteps(secret=SECRET).create_plugin(SimpleNamespace(execution_arn=arn))
    plugin.on_invocation_start(None)
    infos = [SimpleNamespace(operation_id=f"{n:064x}") for n in range(64)]
    try:
        per_step = []
        for _ in range(sizes.hook_batches):
            start = time.perf_counter()
            for index in range(sizes.hook_pairs):
                info = infos[index & 63]
                plugin.on_user_function_start(info)
                plugin.on_user_function_end(info)
            per_step.append((time.perf_counter() - start) / sizes.hook_pairs * 1e6)
    finally:
        plugin.on_invocation_end(None)
    return {"pairs": sizes.hook_pairs, "us_per_step": spread(per_step, 3)}


def _execution(sizes: Sizes) -> Json:
    from aws_durable_execution_sdk_python.context import (  # noqa: PLC0415
        DurableContext,
        durable_step,
    )
    from aws_durable_execution_sdk_python.execution import durable_execution  # noqa: PLC0415
    from aws_durable_execution_sdk_python_testing.runner import (  # noqa: PLC0415
        DurableFunctionTestRunner,
    )

    from boto3_idempotent.durable import IdempotentSteps  # noqa: PLC0415

    @durable_step
    def nothing(_step_context: Any, index: int) -> int:
        return index

    def body(_event: Any, context: DurableContext) -> int:
        return sum(context.step(nothing(n), name=f"s{n}") for n in range(sizes.steps))

    from aws_durable_execution_sdk_python.plugin import (  # noqa: PLC0415
        DurableInstrumentationPlugin,
    )

    class Nothing:
        """A factory of plugins that do nothing: what the SDK's dispatch alone costs."""

        def create_plugin(self, _info: Any, /) -> DurableInstrumentationPlugin:
            return DurableInstrumentationPlugin()

    bare = durable_execution(body)
    empty = durable_execution(body, plugins=[Nothing()])
    keyed = durable_execution(body, plugins=[IdempotentSteps(secret=SECRET)])

    def timed_run(handler: Any) -> float:
        runner = DurableFunctionTestRunner(handler=handler)
        try:
            with runner:
                start = time.perf_counter()
                runner.run(input="{}", execution_timeout=120)
                return time.perf_counter() - start
        finally:
            loop = getattr(getattr(runner, "_scheduler", None), "_loop", None)
            if loop is not None and not loop.is_closed():
                loop.close()

    for handler in (bare, empty, keyed):  # warm all three
        timed_run(handler)
    settle()
    without, with_plugin = alternate(
        lambda: timed_run(bare), lambda: timed_run(keyed), sizes.executions
    )
    # Against a plugin that does nothing: the SDK's dispatch to any plugin cancels out.
    dispatch, ours = alternate(lambda: timed_run(empty), lambda: timed_run(keyed), sizes.executions)

    def per_step(base: list[float], measured: list[float]) -> Json:
        return spread([(m - b) / sizes.steps * 1e6 for b, m in zip(base, measured, strict=True)], 1)

    return {
        "steps": sizes.steps,
        "executions": sizes.executions,
        "ms_per_execution_without": round(statistics.median(without) * 1000, 2),
        "ms_per_execution_with": round(statistics.median(with_plugin) * 1000, 2),
        "ms_per_execution_empty_plugin": round(statistics.median(dispatch) * 1000, 2),
        "added_us_per_step": per_step(without, with_plugin),
        "added_us_per_step_over_an_empty_plugin": per_step(dispatch, ours),
    }


def summary(data: Json) -> list[str]:
    """The per-step figures."""
    if "skipped" in data:
        return [f"durable: skipped ({data['skipped']})"]
    hooks, execution = data["hooks"], data["execution"]
    added = execution["added_us_per_step"]
    hook_line = (
        f"durable hooks: {hooks['us_per_step']['median']:.2f} µs per step (p90"
        f" {hooks['us_per_step']['p90']:.2f}; budget {data['budget_us_per_step']} µs)"
    )
    over_empty = execution["added_us_per_step_over_an_empty_plugin"]
    execution_line = (
        f"durable execution of {execution['steps']} steps: {execution['ms_per_execution_without']}"
        f" ms without, {execution['ms_per_execution_empty_plugin']} ms with a plugin that does"
        f" nothing, {execution['ms_per_execution_with']} ms with ours; added per step over none:"
        f" median {added['median']} µs (p10 {added['p10']}, p90 {added['p90']}); over the empty"
        f" plugin: median {over_empty['median']} µs (p10 {over_empty['p10']},"
        f" p90 {over_empty['p90']})"
    )
    return [hook_line, execution_line]


SCENARIO = Scenario("durable", run, summary)

if __name__ == "__main__":
    sys.exit(main([SCENARIO]))
