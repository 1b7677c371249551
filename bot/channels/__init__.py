"""Channel adapters: vendor payloads in, normalised messages out; senders for replies."""
