"""chartkeep: a plain-text clinical record for psychotherapists."""

__version__ = "0.1.0"
