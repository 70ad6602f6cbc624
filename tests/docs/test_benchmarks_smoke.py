"""benchmarks/run.py end to end with tiny sizes (--quick), so the benchmarks cannot rot.

Nothing here looks at a timing: the machine decides those. What is checked is that every
scenario ran and wrote the keys README and the plots read, with sane values, and that the
counts (which depend on retry logic and seeded fault schedules, not on speed) come out as
they must.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # benchmarks/run.py end to end: the slow tier (pyproject)

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
OUTAGE_CLIENTS = {"bare_legacy", "bare_standard", "tenacity_standard", "wrapped"}
VERSUS_CLIENTS = ["bare_legacy", "bare_standard", "bare_adaptive", "wrapped"]
SCENARIOS = (
    "overhead",
    "import",
    "outage",
    "recovery",
    "threads",
    "profile",
    "versus_botocore",
    "mixed_workload",
    "cold_path",
    "telemetry_overhead",
    "journal",
    "durable",
)


def run_benchmarks(*args: str) -> subprocess.CompletedProcess[str]:
    """Run benchmarks/run.py in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, str(RUN), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def results_path(tmp_path_factory) -> Path:
    """One quick run for the whole module: results.json without plots."""
    out = tmp_path_factory.mktemp("benchmarks")
    result = run_benchmarks("--quick", "--no-plots", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list(out.glob("*.png"))
    return out / "results.json"


@pytest.fixture(scope="module")
def results(results_path) -> dict:
    """The quick run's results.json."""
    return json.loads(results_path.read_text())


def positive(value) -> bool:
    """A finite number above zero."""
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def positive_int(value) -> bool:
    """A whole number above zero (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def sane_spread(spread: dict) -> bool:
    """Median, p10 and p90 positive and in order."""
    return all(positive(spread[k]) for k in ("median", "p10", "p90")) and (
        spread["p10"] <= spread["median"] <= spread["p90"]
    )


def test_every_benchmark_ran_and_was_timed(results):
    """Every section is there, with its own run time."""
    assert results["quick"] is True
    assert results["schema"] == 1
    for section in SCENARIOS:
        assert section in results
        assert results["seconds"][section] >= 0
    assert positive(results["total_seconds"])


def test_machine_is_described(results):
    """The machine section names what was measured."""
    import boto3
    import botocore

    machine = results["machine"]
    assert positive_int(machine["nproc"])
    assert machine["cpu_model"]
    assert machine["python"] == ".".join(map(str, sys.version_info[:3]))
    assert machine["boto3"] == boto3.__version__
    assert machine["botocore"] == botocore.__version__


def test_overhead_has_a_ratio_per_transport_and_operation(results):
    """Four cases: null and HTTP transport, RunInstances and DescribeInstances."""
    overhead = results["overhead"]
    cases = {(c["transport"], c["operation"]): c for c in overhead["cases"]}
    assert set(cases) == {
        (transport, operation)
        for transport in ("null", "http")
        for operation in ("RunInstances", "DescribeInstances")
    }
    for case in cases.values():
        assert sane_spread(case["ratio"])
        assert positive(case["best_batch_ratio"])
        assert positive(case["bare_us_per_call"])
        assert positive(case["wrapped_us_per_call"])
        assert positive_int(case["pairs"])
        assert positive_int(case["calls_per_batch"])
        # The verdict follows from the numbers: a budget check that cannot fail fails here.
        assert case["within_budget"] is (case["ratio"]["median"] <= overhead["budget"])
    assert overhead["budget"] == 1.03


def test_import_cost_is_measured(results):
    """Import cost in ms, and boto3's own for context."""
    imported = results["import"]
    assert positive_int(imported["runs"])
    assert sane_spread(imported["ms"])
    assert sane_spread(imported["boto3_ms"])
    from benchmarks import import_cost

    assert imported["within_budget"] is (imported["ms"]["median"] <= import_cost.BUDGET_MS)


def test_outage_counts_wire_attempts_of_every_logical_call(results):
    """One positive attempt count per logical call, for each of the four clients."""
    outage = results["outage"]
    calls = outage["logical_calls"]
    assert positive_int(calls)
    assert set(outage["clients"]) == OUTAGE_CLIENTS
    for row in outage["clients"].values():
        series = row["attempts_by_call"]
        assert len(series) == calls
        assert all(positive_int(n) for n in series)
        assert row["wire_attempts"] == sum(series)
        assert row["first_call_attempts"] == series[0]
        assert row["attempts_per_call"] == pytest.approx(sum(series) / calls, abs=1e-3)
        spent = row["quota_spent_at_call"]
        assert spent is None or 1 < spent <= calls
        assert (row["attempts_per_call_after_quota"] is None) == (spent is None)


def test_outage_counts_follow_the_retry_policies(results):
    """Counts, not timings: legacy mode has no quota; the wrapped client's quota runs out."""
    clients = results["outage"]["clients"]
    assert set(clients["bare_legacy"]["attempts_by_call"]) == {5}
    assert clients["bare_legacy"]["quota_spent_at_call"] is None
    assert max(clients["wrapped"]["attempts_by_call"]) == 3  # RetryPolicy() default
    assert clients["wrapped"]["quota_spent_at_call"] is not None
    assert clients["wrapped"]["attempts_per_call_after_quota"] <= 1.1
    assert (
        clients["tenacity_standard"]["first_call_attempts"]
        > clients["bare_standard"]["first_call_attempts"]
    )


def test_recovery_reports_overshoots_per_outage_length(results):
    """Both clients, the same outage lengths, overshoots never negative."""
    recovery = results["recovery"]
    assert positive_int(recovery["seeds"])
    lengths = None
    for client in ("wrapped", "tenacity"):
        rows = recovery["clients"][client]["by_outage"]
        assert rows
        lengths = lengths or [r["outage_s"] for r in rows]
        assert [r["outage_s"] for r in rows] == lengths
        for row in rows:
            assert 0 <= row["overshoot_min_s"] <= row["overshoot_mean_s"] <= row["overshoot_max_s"]
            assert math.isfinite(row["overshoot_max_s"])
            assert row["wire_attempts_mean"] >= 2  # one failure at least, then the success
            assert row["logical_calls_mean"] >= 1


def test_threads_report_throughput_ratios(results):
    """Throughput of both clients at 1, 2, 4 and 8 threads."""
    threads = results["threads"]
    assert [r["threads"] for r in threads["results"]] == [1, 2, 4, 8]
    for row in threads["results"]:
        assert positive(row["bare_calls_per_s"])
        assert positive(row["wrapped_calls_per_s"])
        assert sane_spread(row["ratio"])


def test_profile_names_the_library_hooks(results):
    """The profile finds the two hooks on the success path."""
    profile = results["profile"]
    functions = [row["function"] for row in profile["boto3_idempotent"]]
    assert any(f.endswith("(prepare)") for f in functions)
    assert any(f.endswith("(needs_retry)") for f in functions)
    for row in profile["boto3_idempotent"]:
        assert row["cumtime_us_per_call"] >= row["tottime_us_per_call"] >= 0
    assert positive(profile["wrapped_us_per_call_profiled"])


PNGS = (
    "overhead",
    "attempts_over_time",
    "recovery",
    "threads",
    "versus_transient",
    "versus_throttling",
    "versus_outage",
    "versus_duplicates",
)


def test_plots_are_drawn_from_results(results_path, tmp_path):
    """--plot-from draws every PNG (only where matplotlib is installed)."""
    pytest.importorskip("matplotlib")
    result = run_benchmarks("--plot-from", str(results_path), "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.stem for p in tmp_path.glob("*.png")) == sorted(PNGS)
    for name in PNGS:
        png = tmp_path / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- versus_botocore: wrap(client) against bare legacy, standard and adaptive modes ----------


@pytest.fixture(scope="module")
def versus(results) -> dict:
    """The versus_botocore section of the quick run."""
    return results["versus_botocore"]


@pytest.mark.parametrize("part", ["transient", "throttling"])
def test_versus_latency_is_measured_per_client(versus, part):
    """p50 <= p99 <= max, one latency per logical call, for each of the four clients."""
    measured = versus[part]
    assert list(measured["clients"]) == VERSUS_CLIENTS
    for row in measured["clients"].values():
        assert len(row["latencies_ms"]) == measured["logical_calls"]
        assert 0 < row["p50_ms"] <= row["p99_ms"] <= row["max_ms"]
        assert positive(row["mean_ms"])


@pytest.mark.parametrize("part", ["transient", "throttling"])
def test_versus_every_client_meets_the_same_faults(versus, part):
    """Faults depend on (call, attempt): every client meets the same ones, at least one."""
    clients = versus[part]["clients"]
    assert len({row["faults"] for row in clients.values()}) == 1
    assert clients["wrapped"]["faults"] >= 1


def test_versus_every_client_draws_the_same_jitter(versus):
    """Under throttling every policy's base is 1 s, so the seeded draws make equal backoffs."""
    clients = versus["throttling"]["clients"]
    assert len({row["backoff_total_s"] for row in clients.values()}) == 1
    assert clients["wrapped"]["backoff_total_s"] > 0


@pytest.mark.parametrize("part", ["transient", "throttling"])
def test_versus_each_fault_is_retried_or_ends_the_call(versus, part):
    """Requests = calls + faults - failed calls: counts, whatever the speed."""
    measured = versus[part]
    for row in measured["clients"].values():
        retries = row["faults"] - row["failed_calls"]
        assert row["requests"] == measured["logical_calls"] + retries


def test_versus_outage_load_counts_requests_per_client(versus):
    """Legacy mode has no quota; standard and adaptive share theirs; every call tried once."""
    load = versus["outage"]["load"]
    calls = load["logical_calls"]
    clients = load["clients"]
    assert list(clients) == VERSUS_CLIENTS
    assert clients["bare_legacy"]["requests"] == 5 * calls
    assert clients["bare_standard"]["requests"] == clients["bare_adaptive"]["requests"]
    for row in clients.values():
        assert row["requests"] == sum(row["attempts_by_call"]) >= calls
    assert clients["wrapped"]["quota_spent_at_call"] is not None


def test_versus_recovery_is_measured_per_outage_length(versus):
    """Never negative; some requests during the outage; one row per outage length."""
    recovery = versus["outage"]["recovery"]
    for row in recovery["clients"].values():
        assert [r["outage_s"] for r in row["by_outage"]] == recovery["outages_s"]
        for by in row["by_outage"]:
            assert 0 <= by["recovery_min_s"] <= by["recovery_mean_s"] <= by["recovery_max_s"]
            assert by["requests_during_outage_mean"] >= 1
            assert by["logical_calls_mean"] >= 1


@pytest.mark.parametrize(
    ("client", "duplicates_possible"),
    [("bare_legacy", True), ("bare_standard", True), ("bare_adaptive", True), ("wrapped", False)],
)
def test_versus_duplicates_only_without_a_token(versus, client, duplicates_possible):
    """A lost response duplicates AllocateHosts on every bare client; never on wrap()."""
    part = versus["duplicates"]
    lost_first = part["calls_with_first_attempt_lost"]
    assert lost_first >= 1  # the seeded schedule loses some responses
    row = part["clients"][client]
    assert row["requests"] == row["requests_seen_by_endpoint"]
    assert row["lost_responses"] >= lost_first
    assert row["created"] == part["logical_calls"] + row["duplicates"]
    if duplicates_possible:
        assert row["duplicates"] >= lost_first
    else:
        assert row["duplicates"] == 0


def test_versus_verdicts_name_each_criterion(versus):
    """Seven criteria with a verdict each; latency ones carry their noise; duplicates pass."""
    verdicts = {row["criterion"]: row for row in versus["verdicts"]}
    assert set(verdicts) == {
        "transient p50_ms",
        "transient p99_ms",
        "throttling p50_ms",
        "throttling p99_ms",
        "outage requests",
        "outage recovery_mean_s",
        "duplicates",
    }
    for name, row in verdicts.items():
        assert isinstance(row["pass"], bool)
        latency = name.startswith(("transient", "throttling"))
        assert ("noise" in row) == ("within_noise" in row) == latency
    assert verdicts["duplicates"]["pass"] is True


# -- mixed_workload: S3 and DynamoDB puts, counter increments, SQS sends under faults --------

MIXED_KINDS = ("s3_put", "dynamodb_put", "counter_add", "sqs_send")
MIXED_UNSAFE = ("counter_add", "sqs_send")


@pytest.fixture(scope="module")
def mixed(results) -> dict:
    """The mixed_workload section of the quick run."""
    return results["mixed_workload"]


def test_mixed_every_call_ran_once_per_client(mixed):
    """Both clients, every kind, the same number of logical calls; none unaccounted for."""
    assert list(mixed["results"]) == ["bare_standard", "wrapped"]
    per_kind = mixed["calls_per_kind"]
    assert mixed["logical_calls"] == per_kind * len(MIXED_KINDS)
    for row in mixed["results"].values():
        assert list(row["kinds"]) == list(MIXED_KINDS)
        for kind in row["kinds"].values():
            assert kind["calls"] == per_kind == kind["succeeded"] + kind["failed"]
            # A 2xx means the backend acted; every call acted at least once or failed.
            assert kind["succeeded_not_applied"] == 0
            assert kind["calls_applied"] + kind["failed_not_applied"] == per_kind
        assert row["requests"] == row["requests_seen_by_endpoint"]


def test_mixed_wrapped_client_makes_no_duplicates(mixed):
    """Counter and queue: bare standard mode doubles some; the wrapped client none."""
    lost_first = mixed["calls_with_first_attempt_lost"]
    assert sum(lost_first[k] for k in MIXED_UNSAFE) >= 1  # the seeded schedule loses some
    bare, wrapped = mixed["results"]["bare_standard"], mixed["results"]["wrapped"]
    assert wrapped["duplicates_total"] == 0
    for kind in MIXED_UNSAFE:
        assert bare["duplicates"][kind] >= lost_first[kind]
    for row in (bare, wrapped):
        counter, sqs = row["kinds"]["counter_add"], row["kinds"]["sqs_send"]
        # The backend's own state agrees with the requests it carried out.
        assert counter["final_counter"] == counter["endpoint_forwarded"] == counter["effects"]
        assert counter["duplicates"] == counter["effects"] - counter["calls_applied"]
        assert sqs["messages_in_queue"] == sqs["endpoint_forwarded"] == sqs["effects"]
        assert sqs["duplicates"] == sqs["messages_in_queue"] - sqs["distinct_bodies"]


def test_mixed_idempotent_calls_fare_as_on_bare_botocore(mixed):
    """Puts: the same requests, faults and successes on both clients."""
    bare, wrapped = mixed["results"]["bare_standard"], mixed["results"]["wrapped"]
    assert wrapped["idempotent_success_rate"] == bare["idempotent_success_rate"]
    for kind in ("s3_put", "dynamodb_put"):
        for key in ("requests", "faults_500", "faults_lost_response", "succeeded", "effects"):
            assert wrapped["kinds"][kind][key] == bare["kinds"][kind][key]


def test_mixed_wrapped_client_gives_up_on_unsafe_calls_at_their_first_fault(mixed):
    """The price: an unsafe call whose first attempt fails ambiguously is not resent."""
    faulted = mixed["calls_with_first_attempt_fault"]
    wrapped = mixed["results"]["wrapped"]
    for kind in MIXED_UNSAFE:
        row = wrapped["kinds"][kind]
        assert row["requests"] == row["calls"]
        assert row["failed"] == faulted[kind]
        assert set(row["stop_reasons"]) <= {"unsafe_to_resend"}
    assert wrapped["unsafe_failed"] == sum(faulted[k] for k in MIXED_UNSAFE)
    verdicts = {row["criterion"]: row["pass"] for row in mixed["verdicts"]}
    assert all(verdicts.values()), verdicts


# -- cold_path: import, client, first call, first resent call in fresh interpreters ----------


def test_cold_path_measures_every_phase_of_both_kinds(results):
    """Every phase and sum, per kind and as a paired difference; the verdict is a bool."""
    cold = results["cold_path"]
    rows = {*cold["phases"], "wrap", *cold["sums"]}
    assert cold["phases"] == ["import", "client", "first_call", "first_failed_call"]
    for section in ("bare_ms", "wrapped_ms", "difference_ms"):
        assert set(cold[section]) == rows
        for spread in cold[section].values():
            assert all(math.isfinite(spread[k]) for k in ("median", "p10", "p90"))
            assert spread["p10"] <= spread["median"] <= spread["p90"]
    assert cold["bare_ms"]["wrap"]["median"] == 0  # a bare probe never wraps
    assert positive(cold["wrapped_ms"]["import"]["median"])
    from benchmarks import cold_path

    budgeted = cold["difference_ms"]["budgeted"]["median"]
    assert cold["within_budget"] is (budgeted <= cold_path.BUDGET_MS)
    assert cold["costliest_phase"] in {"import", "wrap", "first_call", "first_failed_call"}
    # Both kinds resent the failed calls once: a 500, then a 200, for each operation.
    assert cold["attempts_in_failed_call"] == {"bare": [[2, 2]], "wrapped": [[2, 2]]}


def test_cold_path_loads_tables_at_the_first_call_and_tenacity_at_the_first_failure(results):
    """Which phase imported what: the lazy modules load where the design says."""
    loaded = results["cold_path"]["modules_loaded_by_phase"]
    assert "boto3_idempotent" in loaded["import"]
    for name in ("_knowledge", "_resend", "_retrying", "_failure", "_wrap", "_plugin"):
        assert f"boto3_idempotent.{name}" not in loaded["import"]
    assert "tenacity" not in loaded["import"] + loaded["client"] + loaded["first_call"]
    assert {"boto3_idempotent._knowledge.loader", "boto3_idempotent._knowledge.resend"} <= set(
        loaded["first_call"]
    )
    every_phase = [name for phase in loaded.values() for name in phase]
    # The reviewed tables are read from _knowledge, one service at a time, never imported.
    assert "boto3_idempotent._knowledge.token_table" not in every_phase
    assert "boto3_idempotent._knowledge.resend_table" not in every_phase
    assert "tenacity" in loaded["first_failed_call"]
    costs = results["cold_path"]["importtime_us_by_phase"]
    assert costs["first_failed_call"]["tenacity"]["cumulative_us"] > 0


# -- telemetry_overhead: OpenTelemetry's recording on the success path, in its own probes ----

TELEMETRY_CASES = {
    "api_no_sdk": {"telemetry"},
    "sdk": {"telemetry", "instrumentation", "both", "telemetry_in_span"},
}


@pytest.fixture(scope="module")
def telemetry(results) -> dict:
    """The telemetry_overhead section of the quick run."""
    return results["telemetry_overhead"]


def test_telemetry_probes_ran_in_their_own_configurations(telemetry):
    """No SDK: the API's proxies, the SDK not even imported; SDK: its providers, instrumented."""
    no_sdk = telemetry["api_no_sdk"]["setup"]
    assert no_sdk["meter_provider"] == "_ProxyMeterProvider"
    assert no_sdk["tracer_provider"] == "ProxyTracerProvider"
    assert no_sdk["sdk_imported"] is False
    assert no_sdk["instrumented"] is False
    sdk = telemetry["sdk"]["setup"]
    assert sdk["meter_provider"] == "MeterProvider"
    assert sdk["tracer_provider"] == "TracerProvider"
    assert sdk["sdk_imported"] is True
    assert sdk["instrumented"] is True
    for setup in (no_sdk, sdk):
        assert setup["otel_environment"] == []


@pytest.mark.parametrize("probe", ["api_no_sdk", "sdk"])
def test_telemetry_cases_cover_every_comparison_transport_and_operation(telemetry, probe):
    """One case per comparison, transport and operation, each with sane figures."""
    cases = {
        (c["comparison"], c["transport"], c["operation"]): c for c in telemetry[probe]["cases"]
    }
    assert set(cases) == {
        (comparison, transport, operation)
        for comparison in TELEMETRY_CASES[probe]
        for transport in ("null", "http")
        for operation in ("RunInstances", "DescribeInstances")
    }
    for case in cases.values():
        assert sane_spread(case["ratio"])
        low, high = case["ratio_median_ci95"]
        assert 0 < low <= high
        added = case["added_us_per_call"]
        assert all(math.isfinite(added[k]) for k in ("median", "p10", "p90"))
        assert added["p10"] <= added["median"] <= added["p90"]
        assert positive(case["best_batch_ratio"])
        assert positive(case["baseline_us_per_call"])
        assert positive(case["measured_us_per_call"])
        assert positive_int(case["pairs"])
        assert positive_int(case["calls_per_batch"])
        assert case["baseline"] != case["measured"]


def test_telemetry_verdict_is_taken_on_the_no_sdk_cases(telemetry):
    """Budget 1.01 on every api_no_sdk case; the worst one named."""
    assert telemetry["budget"] == 1.01
    cases = telemetry["api_no_sdk"]["cases"]
    assert all(c["within_budget"] is (c["ratio"]["median"] <= 1.01) for c in cases)
    assert telemetry["within_budget"] is all(c["within_budget"] for c in cases)
    worst = telemetry["api_no_sdk"]["worst"]
    assert worst["ratio"] == max(c["ratio"]["median"] for c in cases)


def test_telemetry_sdk_recorded_every_call_it_was_on_for(telemetry):
    """Counts: one attempt and one duration per telemetry-on call, a span per instrumented one."""
    counts = telemetry["sdk"]["counts"]
    calls = counts["calls"]
    assert set(calls) == set(counts["metrics"]) == {"RunInstances", "DescribeInstances"}
    for operation, made in calls.items():
        assert made["telemetry_on"] > made["instrumented_telemetry_on"] > 0
        recorded = counts["metrics"][operation]
        assert recorded["attempts"] == recorded["durations"] == made["telemetry_on"]
    spans = counts["spans"]
    # Too few spans in a quick run to fill the BatchSpanProcessor's queue: none dropped.
    assert spans["dropped"] == 0
    assert spans["exported"] == spans["expected"] == sum(m["instrumented"] for m in calls.values())
    assert spans["with_attempts"] == sum(
        made["instrumented_telemetry_on"] for made in calls.values()
    )


def test_telemetry_first_wrap_builds_instruments_where_opentelemetry_is_in_use(telemetry):
    """Every variant measured; only the namespace-only one imports the API at the first call."""
    first = telemetry["first_wrap"]
    assert positive_int(first["runs"])
    variants = first["variants"]
    assert list(variants) == ["off", "namespace", "api", "sdk"]
    for name, row in variants.items():
        assert row["instruments_built"] is (name != "off")
        for key in ("first_call_ms", "later_call_ms", "added_ms"):
            spread = row[key]
            assert all(math.isfinite(spread[k]) for k in ("median", "p10", "p90"))
            assert spread["p10"] <= spread["median"] <= spread["p90"]
        assert positive(row["first_call_ms"]["median"])
    imported = variants["namespace"]["opentelemetry_modules_imported"]
    assert {"opentelemetry.metrics", "opentelemetry.trace"} <= set(imported)
    for name in ("off", "api", "sdk"):
        assert variants[name]["opentelemetry_modules_imported"] == []


# -- adaptive: wrapped adaptive mode against bare botocore's, side by side (not in run.py) ---


def test_adaptive_scenario_runs_and_reports_each_client(tmp_path):
    """The adaptive scenario, --quick: every client's rates, and both verdicts."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.adaptive",
            "--quick",
            "--no-plots",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=RUN.parents[1],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "results.json").read_text())["adaptive"]
    assert set(data["clients"]) == {"bare_adaptive", "wrapped_adaptive", "wrapped_standard"}
    for row in data["clients"].values():
        assert positive(row["throttled_phase_requests_per_s"])
        assert 0 <= row["throttled_phase_throttled_share"] <= 1
        assert positive_int(row["requests"])
    assert [v["criterion"] for v in data["verdicts"]] == [
        "requests per second while throttled",
        "recovery after the quota rises (s)",
        "event-loop stall while tasks wait for tokens (ms)",
    ]
    assert data["loop_stall"]["ticks"] > 0
    assert all(isinstance(v["pass"], bool) for v in data["verdicts"])


# -- journal: what the call journal costs, in requests per call ------------------------------


def test_journal_requests_per_call_are_the_protocols(results):
    """Two DynamoDB requests per journaled call, one per re-run answered, none otherwise."""
    cases = results["journal"]["cases"]
    assert set(cases) == {"no_journal_needed", "journaled", "answered"}
    assert cases["no_journal_needed"]["journal_requests_per_call"] == 0
    assert cases["journaled"]["journal_requests_per_call"] == 2
    assert cases["answered"]["journal_requests_per_call"] == 1
    assert cases["journaled"]["sqs_requests_per_call"] == 1
    assert cases["answered"]["sqs_requests_per_call"] == 0
    assert cases["answered"]["sqs_requests_per_call_without"] == 1
    for case in cases.values():
        assert case["ratio"]["median"] > 0
        assert case["baseline_ms_per_call"] > 0
    assert isinstance(cases["no_journal_needed"]["within_budget"], bool)


# -- durable: the durable functions plugin's cost per step ----------------------------------


def test_durable_measured_both_ways_or_said_why_not(results):
    """The hooks' cost per step and a whole execution with and without the plugin."""
    data = results["durable"]
    if "skipped" in data:  # the durable SDK is not installed here (Python 3.10)
        assert "not installed" in data["skipped"]
        return
    assert data["hooks"]["us_per_step"]["median"] > 0
    assert data["execution"]["steps"] >= 1
    assert data["execution"]["ms_per_execution_with"] > 0
    assert isinstance(data["within_budget"], bool)
