"""rhaudit: analyse de conformité RH et paie des collectivités territoriales."""

__version__ = "0.1.0"
