"""Agent types of povsim: array-backed households and Mesa agents for the rest.

Example:
    >>> from povsim.agents import Households, Cadre, Cooperative, Enterprise, Village
    >>> Households.empty(2).n
    2
"""

from povsim.agents.cadre import Cadre
from povsim.agents.cooperative import Cooperative
from povsim.agents.enterprise import Enterprise
from povsim.agents.households import SOURCES, Household, Households
from povsim.agents.village import Village

__all__ = ["SOURCES", "Cadre", "Cooperative", "Enterprise", "Household", "Households", "Village"]
