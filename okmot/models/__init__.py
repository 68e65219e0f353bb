"""ORM models of the household book; importing this package registers every table."""

from okmot.models.annual_round import AnnualRound, RoundVisit
from okmot.models.household import Dwelling, Household, LandPlot, LivestockCount, Machinery, Membership
from okmot.models.journal import AuditEvent, ChangeLog
from okmot.models.movement import Movement
from okmot.models.person import Person
from okmot.models.settings import Setting
from okmot.models.territory import AiylAimak, Street, Village
from okmot.models.user import User
from okmot.models.service_register import ServiceEntry
from okmot.models.work_calendar import CalendarDay
from okmot.models.applications import Application
from okmot.models.certificates import Certificate, CertificatePrint, FeePayment
from okmot.models.complaints import Complaint
from okmot.models.signing import SigningKey
from okmot.models.sync import ImportedPackage, SentPackage, TrustedOffice

__all__ = [
    "AiylAimak", "AnnualRound", "AuditEvent", "ChangeLog", "Dwelling", "Household", "LandPlot", "LivestockCount", "Machinery",
    "Membership", "Movement", "Person", "RoundVisit", "Setting", "Street", "User", "Village",
    "Application", "CalendarDay", "Certificate", "CertificatePrint", "Complaint", "FeePayment", "ServiceEntry",
    "SigningKey", "ImportedPackage", "SentPackage", "TrustedOffice",
]
