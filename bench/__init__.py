"""The benchmark: a bare-Django reference app, a counting WSGI wrapper and the runner."""
