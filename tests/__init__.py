"""The project's tests (a regular package, so that no other installed `tests` package shadows it)."""
