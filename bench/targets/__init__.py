"""WSGI targets the benchmark serves under gunicorn, one module each."""
