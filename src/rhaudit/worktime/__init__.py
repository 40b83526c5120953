"""Working time: the annual simulator (`rhaudit worktime`), the per-agent balances of the TEMPS
rules, and the garanties minimales of a cycle.

- count.py: the legal norms of a year (Norms), a regime's week and its count by the norme or
  the real calendar (count_regime);
- garanties.py: the garanties minimales checked on daily schedules.

The names other modules use are re-exported here.
"""

from .count import (FRACTIONNEMENT_LABEL, METHOD_LABELS, Count, Norms, ScenarioError, ScenarioFile, Week,
                    agent_balances, artt_for_weekly_hours, assign_cycles, count_regime, fr_number,
                    fractionnement_earned, load_scenarios, run_worktime, simulate)
