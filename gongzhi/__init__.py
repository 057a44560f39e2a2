"""Gongzhi (共治): grassroots social governance platform."""

__version__ = "0.1.0"
