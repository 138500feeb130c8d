"""Agent types of povsim: array-backed households and Mesa agents for the rest.

Example:
    >>> from agents import Households, Cadre, Cooperative, Enterprise, Village
    >>> Households.empty(2).n
    2
"""

from agents.cadre import Cadre
from agents.cooperative import Cooperative
from agents.enterprise import Enterprise
from agents.households import SOURCES, Household, Households
from agents.village import Village

__all__ = ["SOURCES", "Cadre", "Cooperative", "Enterprise", "Household", "Households", "Village"]
