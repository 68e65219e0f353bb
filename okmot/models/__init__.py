"""ORM models of the household book; importing this package registers every table."""

from okmot.models.annual_round import AnnualRound, RoundVisit
from okmot.models.household import Dwelling, Household, LandPlot, LivestockCount, Machinery, Membership
from okmot.models.journal import ChangeLog
from okmot.models.movement import Movement
from okmot.models.person import Person
from okmot.models.settings import Setting
from okmot.models.territory import AiylAimak, Street, Village
from okmot.models.user import User

__all__ = [
    "AiylAimak", "AnnualRound", "ChangeLog", "Dwelling", "Household", "LandPlot", "LivestockCount", "Machinery",
    "Membership", "Movement", "Person", "RoundVisit", "Setting", "Street", "User", "Village",
]
