"""Working time: the annual simulator (`rhaudit worktime`), the per-agent balances of the TEMPS
rules, and the garanties minimales of a cycle.

- count.py: the legal norms of a year (Norms), a regime's week and its count by the norme or by
  the real calendar (count_regime, artt_for_weekly_hours);
- simulate.py: the scenario file, both counts of every scenario, and their reports
  (run_worktime: text, Markdown, CSV, JSON, Excel);
- balances.py: per agent of a payroll year, the cycle (assign_cycles) and the leave and ARTT
  entitlements against what was taken (agent_balances), for the TEMPS rules;
- garanties.py: the garanties minimales checked on daily schedules (check_cycle).

The names used outside the package are re-exported here.
"""

from .balances import FRACTIONNEMENT_LABEL, agent_balances, assign_cycles, fractionnement_earned
from .count import METHOD_LABELS, Count, Norms, ScenarioError, Week, artt_for_weekly_hours, count_regime
from .simulate import ScenarioFile, load_scenarios, run_worktime, simulate

__all__ = [
    "FRACTIONNEMENT_LABEL", "METHOD_LABELS", "Count", "Norms", "ScenarioError", "ScenarioFile", "Week",
    "agent_balances", "artt_for_weekly_hours", "assign_cycles", "count_regime", "fractionnement_earned",
    "load_scenarios", "run_worktime", "simulate",
]
