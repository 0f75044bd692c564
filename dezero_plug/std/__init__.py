"""The builtin plugins, one module per family; registered like third-party ones (see plugins.BUILTIN_PLUGINS)."""
