"""`python -m bench` (`make bench`): the engine benchmark; the others run by name."""

from bench import engine

engine.main([])
