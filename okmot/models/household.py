"""Household (one account of the household book) and its sections: members, dwelling, land, livestock, machinery."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from okmot.db.base import Base, SyncMixin
from okmot.models.person import Person
from okmot.models.territory import Street, Village


class Household(SyncMixin, Base):
    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("aimak_id", "account_number"),)

    aimak_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("aiyl_aimak.id"), index=True)
    #: Personal account number (жеке эсеп), unique within the aiyl aimak.
    account_number: Mapped[str] = mapped_column(String(20), index=True)
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("village.id"), index=True)
    street_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("street.id"), index=True)
    #: Indexed: search as you type matches house numbers by prefix.
    house_number: Mapped[str] = mapped_column(String(20), default="", index=True)
    apartment: Mapped[str] = mapped_column(String(20), default="")
    #: Free-text address for houses without a number ("near the school", "upper part").
    address_note: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    close_reason: Mapped[str] = mapped_column(Text, default="")

    village: Mapped[Village] = relationship()
    street: Mapped[Street | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(back_populates="household")


# The household list is ordered by account number with numbers sorting as numbers
# (okmot.services.search); this index lets a page be read in that order without a sort.
Index("ix_household_account_order", func.length(func.ltrim(Household.account_number, "0")),
      func.ltrim(Household.account_number, "0"), Household.account_number)


class Membership(SyncMixin, Base):
    """A person's stay in a household from one date to another: "who lived here on D" is a query."""

    __tablename__ = "membership"

    # Indexed with deleted_at and the other side of the stay (below), not alone.
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    relation: Mapped[str] = mapped_column(String(30))
    #: None means "since before the book was opened".
    from_date: Mapped[dt.date | None] = mapped_column(Date)
    #: First day the person no longer belongs; None while they still do.
    to_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    end_reason: Mapped[str] = mapped_column(String(30), default="")

    household: Mapped[Household] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship()


# A search goes from a name to the households (and tests a household's members) through these
# alone, without reading the stays themselves: on a district of 400 000 persons that is most of
# a keystroke's time. Each also serves every lookup of a household's or a person's stays.
Index("ix_membership_household_person", Membership.household_id, Membership.deleted_at, Membership.person_id)
Index("ix_membership_person_household", Membership.person_id, Membership.deleted_at, Membership.household_id)


class Dwelling(SyncMixin, Base):
    __tablename__ = "dwelling"

    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), default="house")
    year_built: Mapped[int | None] = mapped_column(Integer)
    wall_material: Mapped[str] = mapped_column(String(30), default="")
    rooms: Mapped[int | None] = mapped_column(Integer)
    #: Areas in whole square decimetres (0.01 m²): exact, no floats.
    living_area_dm2: Mapped[int | None] = mapped_column(Integer)
    total_area_dm2: Mapped[int | None] = mapped_column(Integer)
    has_electricity: Mapped[bool] = mapped_column(Boolean, default=True)
    has_water: Mapped[bool] = mapped_column(Boolean, default=False)
    has_gas: Mapped[bool] = mapped_column(Boolean, default=False)
    has_sewerage: Mapped[bool] = mapped_column(Boolean, default=False)
    has_central_heating: Mapped[bool] = mapped_column(Boolean, default=False)
    owner: Mapped[str] = mapped_column(String(200), default="")


class LandPlot(SyncMixin, Base):
    """A plot in use as of 1 January of ``year``."""

    __tablename__ = "land_plot"

    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(30))
    #: Area in whole square metres (1 ha = 10 000 m²).
    area_m2: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(String(200), default="")
    cadastral_number: Mapped[str] = mapped_column(String(50), default="")


class LivestockCount(SyncMixin, Base):
    """Heads of one species kept by a household as of 1 January of ``year``."""

    __tablename__ = "livestock_count"
    __table_args__ = (UniqueConstraint("household_id", "year", "species"),)

    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    species: Mapped[str] = mapped_column(String(30))
    heads: Mapped[int] = mapped_column(Integer)


class Machinery(SyncMixin, Base):
    __tablename__ = "machinery"

    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    model: Mapped[str] = mapped_column(String(100), default="")
    year_made: Mapped[int | None] = mapped_column(Integer)
    registration_number: Mapped[str] = mapped_column(String(30), default="")
    note: Mapped[str] = mapped_column(Text, default="")
