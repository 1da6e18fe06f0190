"""daumoi: the focal-point bot of a communications campaign."""

__version__ = "0.1.0"
