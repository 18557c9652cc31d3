"""The independent reference for the rebalance engine (issue 3, item 7).

`case_model` reads a case dict the plain way, `cvxpy_reference` solves it as a second,
deliberately plain formulation, and `checks` judges any result (the engine's or the
reference's) against the contract in shared/spec/rebalance-case.md.
"""
