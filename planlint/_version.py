"""The version of planlint: one place, read by the package, the CLI, SARIF and the build."""

__version__ = "0.1.0"
