"""Trajectory generators of the tool-use tasks, one module per task (standard library only), by the
name recur knows each task by."""
from . import addition, addition_ablations, logical_graph, multiplication, multiplication2

TASKS = {"addition": addition, "multiply1": multiplication, "multiply2": multiplication2,
         "logical_graph": logical_graph, "logical_graph_eval": logical_graph.evaluated,
         "addition_nocot": addition_ablations.nocot,
         "addition_nocot_reversed": addition_ablations.nocot_reversed,
         "addition_notool": addition_ablations.notool, "addition_twopointer": addition_ablations.twopointer,
         "addition_calculator": addition_ablations.calculator}


def random_number(rng, digits):
    """A decimal number of exactly `digits` digits (one digit: 0-9)."""
    if digits == 1:
        return str(rng.randint(0, 9))
    return str(rng.randint(10 ** (digits - 1), 10 ** digits - 1))
