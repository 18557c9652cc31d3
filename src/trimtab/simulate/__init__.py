"""Shadow runs: the firm's settings profiles, run by the real engine and the real lot
ledger day by day over market history, measured against buy-and-hold (docs/simulate.md).

Pure (numpy, scipy; no I/O): the returns file is read by trimtab.feeds.returns_file and
the report written by trimtab.reports.simulation.
"""

from trimtab.simulate.market import MarketHistory
from trimtab.simulate.metrics import RunMetrics, YearMetrics
from trimtab.simulate.profiles import DEFAULT_PROFILES, CashFlow, Profile, Schedule
from trimtab.simulate.shadow_run import InitialLot, RunRecord, StudyConfig
from trimtab.simulate.study import Study, run_study
from trimtab.simulate.taxes import LossUse, TaxModel
from trimtab.simulate.universe import Universe, Weighting, build_universe

__all__ = [
    "DEFAULT_PROFILES",
    "CashFlow",
    "InitialLot",
    "LossUse",
    "MarketHistory",
    "Profile",
    "RunMetrics",
    "RunRecord",
    "Schedule",
    "Study",
    "StudyConfig",
    "TaxModel",
    "Universe",
    "Weighting",
    "YearMetrics",
    "build_universe",
    "run_study",
]
