"""Tests of the Python agent: `python -m unittest discover -s tests -t .` from debug-adapter/agent."""
