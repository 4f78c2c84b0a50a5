"""task runs remember the worker that owns them

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_task_runs_worker'), ['worker'], unique=False)


def downgrade():
    with op.batch_alter_table('task_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_runs_worker'))
        batch_op.drop_column('worker')
