"""search indexes: house numbers; names, PINs and stays indexed for name-to-household lookups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 11:40:00

Search as you type on a district of 400 000 persons (issue #9): a house-number prefix was read
from every household, and a name reached its households (or a household its members) through
the person and stay rows themselves. The single-column name, PIN and stay indexes are replaced
by covering ones that also serve every lookup the old ones did. No data changes.
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None
#: Only indexes: packages made at 0005 carry the same records (okmot.db.migrate.records_revision).
changes_records = False


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        for column in ('pin', 'surname_key', 'given_name_key'):
            batch_op.drop_index(f'ix_person_{column}')
            batch_op.create_index(f'ix_person_{column}_id', [column, 'id'], unique=False)
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index('ix_household_house_number', ['house_number'], unique=False)
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_household_id')
        batch_op.drop_index('ix_membership_person_id')
        batch_op.create_index('ix_membership_household_person', ['household_id', 'deleted_at', 'person_id'],
                              unique=False)
        batch_op.create_index('ix_membership_person_household', ['person_id', 'deleted_at', 'household_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_person_household')
        batch_op.drop_index('ix_membership_household_person')
        batch_op.create_index('ix_membership_person_id', ['person_id'], unique=False)
        batch_op.create_index('ix_membership_household_id', ['household_id'], unique=False)
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_house_number')
    with op.batch_alter_table('person', schema=None) as batch_op:
        for column in ('pin', 'surname_key', 'given_name_key'):
            batch_op.drop_index(f'ix_person_{column}_id')
            batch_op.create_index(f'ix_person_{column}', [column], unique=False)
