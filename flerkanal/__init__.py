"""flerkanal, the application: the `inbox` command, the wiring that builds stores, matchers, embedders and
connectors from settings, the settings themselves, the bundled demo and the bench commands.

It stands on everything below it (tui > connectors | dedup > inbox) and nothing imports it. See
docs/architecture.md.
"""
