"""Back Coach's built-in rule plugins: the clinical content, registered like third-party plugins.

Each module is an ordinary pluggy plugin (see `rules.hookspecs`); its content lives in
`plugins/data/*.toml`, documented in docs/plugin-data.md.
"""
