"""What the tests share: servers on 127.0.0.1, the review gate, asyncio and OpenTelemetry set-ups."""
