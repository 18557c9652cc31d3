"""In-memory fakes of the services' ports, one module per port family.

Services' unit tests run on these instead of a database: each fake keeps its data in
plain Python structures and follows the same contract as the SQL repository (the
integration tests hold the SQL side to it).
"""
