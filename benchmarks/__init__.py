"""Benchmarks of boto3-idempotent: one module per scenario over a shared harness.

==================  ===========================================================
module              measures
==================  ===========================================================
overhead            success-path cost of wrap(), null transport and local HTTP
import_cost         ``import boto3_idempotent`` in fresh interpreters
outage              wire attempts per logical call during a full outage
recovery            fake seconds from an outage's end to the first success
threads             throughput of one client shared by 1 to 8 threads
profiling           cProfile of the wrapped success path
versus_botocore     wrap(client) against bare legacy, standard and adaptive modes
==================  ===========================================================

``harness`` (servers, clients, fake time, statistics) and ``runner`` (command line,
results.json, plots) serve them all; ``versus_fairness`` and ``versus_plots`` serve
versus_botocore. ``python benchmarks/run.py`` runs every scenario;
``python -m benchmarks.<module>`` one.
See benchmarks/README.md.
"""
