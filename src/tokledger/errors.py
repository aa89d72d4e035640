"""The exceptions tokledger raises on purpose; each carries a one-line message for the user."""


class TokledgerError(Exception):
    """Base class: an expected failure with a message fit to print as is."""


class ConfigError(TokledgerError):
    """The configuration file or a command-line value is wrong (names the key and the file)."""


class LedgerError(TokledgerError):
    """The ledger cannot be opened, is newer than this program, or a write failed."""


class SourceError(TokledgerError):
    """A source's logs could not be read (raised only with ``--strict``; otherwise recorded)."""


class OptionError(ConfigError):
    """A command-line option or web query parameter has a wrong value (the command line exits with 2)."""
