"""firms' portal: announcements, survey answers, joint-action registrations, deliveries and feedback

Revision ID: 0013_firm_portal
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_firm_portal"
down_revision = "0012_firm_access"
branch_labels = None
depends_on = None

_CASE = "process_instance.id"


def upgrade():
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("posted_by", sa.String(length=80), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], [_CASE], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_announcement_case_id", "announcement", ["case_id"])
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("survey_case_id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("answered_by", sa.String(length=80), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], [_CASE], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_case_id"], [_CASE], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("survey_case_id"),
    )
    op.create_index("ix_survey_response_case_id", "survey_response", ["case_id"])
    op.create_index("ix_survey_response_firm_id", "survey_response", ["firm_id"])
    op.create_table(
        "joint_action_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("joint_action_id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("cost_share", sa.BigInteger(), nullable=True),
        sa.Column("registered_by", sa.String(length=80), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["joint_action_id"], ["joint_action.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], [_CASE], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("joint_action_id", "firm_id"),
    )
    for column in ("joint_action_id", "firm_id", "case_id", "registered_at"):
        op.create_index(f"ix_joint_action_registration_{column}", "joint_action_registration", [column])
    op.create_table(
        "joint_action_delivery",
        sa.Column("joint_action_id", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("attachment_id", sa.String(length=32), nullable=True),
        sa.Column("done_by", sa.String(length=80), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["joint_action_id"], ["joint_action.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("joint_action_id"),
    )
    op.create_index("ix_joint_action_delivery_done_at", "joint_action_delivery", ["done_at"])
    op.create_table(
        "joint_action_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("joint_action_id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("given_by", sa.String(length=80), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["joint_action_id"], ["joint_action.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("joint_action_id", "firm_id"),
    )
    op.create_index("ix_joint_action_feedback_joint_action_id", "joint_action_feedback", ["joint_action_id"])
    op.create_index("ix_joint_action_feedback_firm_id", "joint_action_feedback", ["firm_id"])


def downgrade():
    op.drop_index("ix_joint_action_feedback_firm_id", table_name="joint_action_feedback")
    op.drop_index("ix_joint_action_feedback_joint_action_id", table_name="joint_action_feedback")
    op.drop_table("joint_action_feedback")
    op.drop_index("ix_joint_action_delivery_done_at", table_name="joint_action_delivery")
    op.drop_table("joint_action_delivery")
    for column in ("joint_action_id", "firm_id", "case_id", "registered_at"):
        op.drop_index(f"ix_joint_action_registration_{column}", table_name="joint_action_registration")
    op.drop_table("joint_action_registration")
    op.drop_index("ix_survey_response_firm_id", table_name="survey_response")
    op.drop_index("ix_survey_response_case_id", table_name="survey_response")
    op.drop_table("survey_response")
    op.drop_index("ix_announcement_case_id", table_name="announcement")
    op.drop_table("announcement")
