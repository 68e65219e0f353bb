"""sync registers: trusted offices, packages sent and imported

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 04:23:47.058790
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_imported_package',
    sa.Column('package_id', sa.Uuid(), nullable=False),
    sa.Column('office_code', sa.String(length=20), nullable=False),
    sa.Column('installation_id', sa.String(length=40), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('package_created_at', sa.DateTime(), nullable=True),
    sa.Column('imported_by', sa.String(length=60), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by', sa.Uuid(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_imported_package'))
    )
    with op.batch_alter_table('sync_imported_package', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_imported_package_office_code'), ['office_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_imported_package_package_id'), ['package_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_imported_package_result'), ['result'], unique=False)

    op.create_table('sync_sent_package',
    sa.Column('package_id', sa.Uuid(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('from_seq', sa.Integer(), nullable=False),
    sa.Column('to_seq', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by', sa.Uuid(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_sent_package')),
    sa.UniqueConstraint('package_id', name=op.f('uq_sync_sent_package_package_id')),
    sa.UniqueConstraint('sequence', name=op.f('uq_sync_sent_package_sequence'))
    )
    op.create_table('sync_trusted_office',
    sa.Column('office_code', sa.String(length=20), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('installation_id', sa.String(length=40), nullable=False),
    sa.Column('public_key', sa.String(length=60), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('trusted_at', sa.DateTime(), nullable=False),
    sa.Column('trusted_by', sa.String(length=60), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by', sa.Uuid(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_trusted_office')),
    sa.UniqueConstraint('office_code', 'installation_id', name=op.f('uq_sync_trusted_office_office_code_installation_id'))
    )
    with op.batch_alter_table('sync_trusted_office', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_trusted_office_office_code'), ['office_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sync_trusted_office', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_trusted_office_office_code'))

    op.drop_table('sync_trusted_office')
    op.drop_table('sync_sent_package')
    with op.batch_alter_table('sync_imported_package', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_imported_package_result'))
        batch_op.drop_index(batch_op.f('ix_sync_imported_package_package_id'))
        batch_op.drop_index(batch_op.f('ix_sync_imported_package_office_code'))

    op.drop_table('sync_imported_package')
