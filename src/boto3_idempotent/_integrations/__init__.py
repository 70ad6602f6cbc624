"""Where the library meets the rest: Lambda, asyncio, install, telemetry, the journal."""
