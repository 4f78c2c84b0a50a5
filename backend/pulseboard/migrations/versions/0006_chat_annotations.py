"""chat messages marked as annotations (drawn on the charts)

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 07:10:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('chat_messages') as batch:
        batch.add_column(sa.Column('annotation', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_index('ix_chat_messages_annotation_ts', ['annotation', 'ts'])


def downgrade():
    with op.batch_alter_table('chat_messages') as batch:
        batch.drop_index('ix_chat_messages_annotation_ts')
        batch.drop_column('annotation')
