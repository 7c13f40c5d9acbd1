"""Event streams: the ``EventStreamsRegistry`` of per-browser queues, SSE
encoding, the stream view and its cap, the waitress main loop, and the bus
that carries changes between processes."""
