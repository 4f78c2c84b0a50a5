"""stored chart history: raw points, one-minute roll-ups and how far the roll-up got

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:10:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chart_points',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('stream', sa.String(length=64), nullable=False),
        sa.Column('t', sa.BigInteger(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,  # ids only grow: the roll-up's mark relies on it
    )
    with op.batch_alter_table('chart_points', schema=None) as batch_op:
        batch_op.create_index('ix_chart_points_stream_t', ['stream', 't'], unique=False)
    op.create_table(
        'chart_rollups',
        sa.Column('stream', sa.String(length=64), nullable=False),
        sa.Column('bucket', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('mean', sa.Float(), nullable=False),
        sa.Column('minimum', sa.Float(), nullable=False),
        sa.Column('maximum', sa.Float(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('stream', 'bucket'),
    )
    marks = op.create_table(
        'chart_rollup_marks',
        sa.Column('name', sa.String(length=16), nullable=False),
        sa.Column('last_id', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    # The roll-up moves this mark with a compare-and-set (charts/history.py).
    op.bulk_insert(marks, [{'name': 'points', 'last_id': 0}])


def downgrade():
    op.drop_table('chart_rollup_marks')
    op.drop_table('chart_rollups')
    with op.batch_alter_table('chart_points', schema=None) as batch_op:
        batch_op.drop_index('ix_chart_points_stream_t')
    op.drop_table('chart_points')
