"""Writes to the data. Each function flushes but never commits and records an audit row;
the request (or CLI command) commits once or rolls back."""
