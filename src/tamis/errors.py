"""Errors that reach the user: each says what was expected, what was found, and how to fix it."""


class TamisError(Exception):
    """Base of errors that end a run with one clear line and exit code 2."""


class ConfigError(TamisError):
    """The pipeline configuration is invalid."""


class InputError(TamisError):
    """An input path cannot be used."""


class AccountingError(TamisError):
    """Input records do not add up to kept + rejected + duplicates + failed."""


class OutputFull(TamisError):
    """The disk (or quota, or file size limit) of --output ran out; the run resumes once there is room."""
