"""Back Coach's benchmark (see bench/README.md)."""
