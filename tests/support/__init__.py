"""Helpers the backend, stack and e2e tests share: real servers, real clients."""
