"""The process as data (issue 15): definitions, their load-time proofs and their diagrams."""
