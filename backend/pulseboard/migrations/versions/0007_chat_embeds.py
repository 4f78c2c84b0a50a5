"""chat messages may carry an embed (a live chart or a run's log tail)

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-02 07:10:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
# down_revision is 0004 in this branch; the lead re-chains 0005/0006/0007 at merge.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('chat_messages') as batch_op:
        batch_op.add_column(sa.Column('embed', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('chat_messages') as batch_op:
        batch_op.drop_column('embed')
