"""Shared helpers for the test suite: real servers, browsers and environment checks."""
