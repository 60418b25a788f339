"""Figures the tests collect and tests/conftest.py prints at the end of the run."""

MATRIX_CASES = {}  # leak matrix: name -> cases checked
FUZZ_FIGURES = {}  # fuzz stage: persona -> operations, cases, seconds, phases
