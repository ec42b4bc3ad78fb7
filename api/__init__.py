"""The edges: HTTP API, command line and web console. Thin: parse, authorize, call, shape."""
