"""trimtab: rebalancing automation for wealth-management firms.

The public Python API is small on purpose: the domain value types live in
`trimtab.domain`, the optimizer in `trimtab.engine`; everything else is reached through the
`trimtab` command line (`trimtab --help`).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
