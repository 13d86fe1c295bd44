"""Asyncio-native SDK for the Xsolla LiveOps API 2.0.0."""
