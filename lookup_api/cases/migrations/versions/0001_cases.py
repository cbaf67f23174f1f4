"""cases, case_events (append-only), ratings, staff, staff_sessions, spent_challenges

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "case_events is append-only"


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(24), nullable=False, unique=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("programme", sa.String(16)),
        sa.Column("programme_name", sa.String(100)),
        sa.Column("village", sa.String(12), nullable=False),
        sa.Column("township", sa.String(12), nullable=False),
        sa.Column("county", sa.String(12), nullable=False),
        sa.Column("place_name", sa.String(200), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("content_enc", sa.LargeBinary, nullable=False),
        sa.Column("phone_enc", sa.LargeBinary),
        sa.Column("name_enc", sa.LargeBinary),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("reply", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("replied_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("cases_queue", "cases", ["county", "status", "due_at"])
    op.create_index("cases_created", "cases", ["created_at"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("departments", sa.Text, nullable=False),
        sa.Column("regions", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_staff_sessions_staff_id", "staff_sessions", ["staff_id"])
    op.create_table(
        "spent_challenges",
        sa.Column("nonce", sa.String(32), primary_key=True),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_spent_challenges_expires_at", "spent_challenges", ["expires_at"])

    # The history cannot be rewritten, not even by a bug or a hand-typed SQL statement.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$""")
        op.execute("""
            CREATE TRIGGER case_events_no_change BEFORE UPDATE OR DELETE ON case_events
            FOR EACH ROW EXECUTE FUNCTION case_events_append_only()""")
        op.execute("""
            CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
            FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER case_events_no_{verb.lower()} BEFORE {verb} ON case_events
                BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_events_no_change ON case_events")
        op.execute("DROP TRIGGER case_events_no_truncate ON case_events")
        op.execute("DROP FUNCTION case_events_append_only()")
    for table in ("spent_challenges", "staff_sessions", "staff", "ratings", "case_events", "cases"):
        op.drop_table(table)
