"""Infolettre: the email newsletter pipeline of the Réseau international des Cités des métiers."""

__version__ = "0.1.0"
