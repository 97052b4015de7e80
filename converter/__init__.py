"""Shared base of the converters: errors, report types, naming and atomic output.

Nothing here imports the graph or AST converters, the server, or any heavy framework.
"""
