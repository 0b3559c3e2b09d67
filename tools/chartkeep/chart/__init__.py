"""The private chart: pages from the practice (pages.py, svg.py), MkDocs (plugin.py, build.py),
and a local server with a token (server.py)."""
