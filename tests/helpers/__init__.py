"""What the tests share: servers on 127.0.0.1, the review gate, asyncio and OpenTelemetry set-ups.

Also resend-safety checks on a raw server (safety), a non-UTF-8 token secret (token_secret),
the docs' Python blocks (doc_blocks) and the examples/ handlers (examples).
"""
