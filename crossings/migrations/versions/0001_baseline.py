"""baseline

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 16:55:12.336936
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _create_claims()
    _create_communities()
    _create_custom_prompts()
    _create_member_prefs()
    _create_mod_appeals()
    _create_mod_audit()
    _create_mod_automod_rules()
    _create_mod_cases()
    _create_mod_report_attempts()
    _create_mod_report_drafts()
    _create_outbox()
    _create_peer_blocks()
    _create_peer_pairs()
    _create_peer_profiles()
    _create_peer_rounds()
    _create_peer_schedules()
    _create_prompt_posts()
    _create_prompt_replies()
    _create_prompt_schedules()
    _create_prompt_suggestions()
    _create_support_member_places()
    _create_support_organizations()
    _create_support_services()
    _create_timers()


def _create_claims() -> None:
    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('fire_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'key', 'fire_at')
    )


def _create_communities() -> None:
    op.create_table('communities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('moderator_roles', sa.JSON(), nullable=False),
    sa.Column('organizer_roles', sa.JSON(), nullable=False),
    sa.Column('admin_roles', sa.JSON(), nullable=False),
    sa.Column('queue_channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('show_reporter_to_moderators', sa.Boolean(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id')
    )


def _create_custom_prompts() -> None:
    op.create_table('custom_prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prompt_id', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('follow_ups', sa.JSON(), nullable=False),
    sa.Column('added_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id', 'prompt_id')
    )
    with op.batch_alter_table('custom_prompts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custom_prompts_community_id'), ['community_id'], unique=False)


def _create_member_prefs() -> None:
    op.create_table('member_prefs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id', 'user_id')
    )
    with op.batch_alter_table('member_prefs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_prefs_user_id'), ['user_id'], unique=False)


def _create_mod_appeals() -> None:
    op.create_table('mod_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mod_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mod_appeals_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mod_appeals_user_id'), ['user_id'], unique=False)


def _create_mod_audit() -> None:
    op.create_table('mod_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('case_number', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mod_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mod_audit_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_mod_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mod_audit_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mod_audit_target_id'), ['target_id'], unique=False)


def _create_mod_automod_rules() -> None:
    op.create_table('mod_automod_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mod_automod_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mod_automod_rules_community_id'), ['community_id'], unique=False)


def _create_mod_cases() -> None:
    op.create_table('mod_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('reporter_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('excerpt', sa.Text(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moderator_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('queue_message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id', 'number')
    )
    with op.batch_alter_table('mod_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mod_cases_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mod_cases_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mod_cases_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mod_cases_target_id'), ['target_id'], unique=False)


def _create_mod_report_attempts() -> None:
    op.create_table('mod_report_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reporter_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mod_report_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mod_report_attempts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mod_report_attempts_reporter_id'), ['reporter_id'], unique=False)


def _create_mod_report_drafts() -> None:
    op.create_table('mod_report_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reporter_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('excerpt', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def _create_outbox() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_platform'), ['platform'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_status'), ['status'], unique=False)


def _create_peer_blocks() -> None:
    op.create_table('peer_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('blocked_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id', 'user_id', 'blocked_id')
    )
    with op.batch_alter_table('peer_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_blocks_user_id'), ['user_id'], unique=False)


def _create_peer_pairs() -> None:
    op.create_table('peer_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('shared', sa.JSON(), nullable=False),
    sa.Column('met', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('peer_pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_pairs_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_pairs_round_id'), ['round_id'], unique=False)


def _create_peer_profiles() -> None:
    op.create_table('peer_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('paused_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id', 'user_id')
    )
    with op.batch_alter_table('peer_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_profiles_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_profiles_user_id'), ['user_id'], unique=False)


def _create_peer_rounds() -> None:
    op.create_table('peer_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('fire_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('pairs', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id', 'fire_at')
    )
    with op.batch_alter_table('peer_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_rounds_community_id'), ['community_id'], unique=False)


def _create_peer_schedules() -> None:
    op.create_table('peer_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id')
    )
    with op.batch_alter_table('peer_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_schedules_next_at'), ['next_at'], unique=False)


def _create_prompt_posts() -> None:
    op.create_table('prompt_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('fire_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('prompt_id', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=True),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('thread_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('schedule_id', 'fire_at')
    )
    with op.batch_alter_table('prompt_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_posts_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_posts_schedule_id'), ['schedule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_posts_thread_id'), ['thread_id'], unique=False)


def _create_prompt_replies() -> None:
    op.create_table('prompt_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('post_id', 'message_id')
    )
    with op.batch_alter_table('prompt_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_replies_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_replies_user_id'), ['user_id'], unique=False)


def _create_prompt_schedules() -> None:
    op.create_table('prompt_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('forum', sa.Boolean(), nullable=False),
    sa.Column('occurrences_left', sa.Integer(), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('pinned_prompt', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=True),
    sa.Column('next_fire_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('prompt_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_schedules_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_schedules_next_fire_at'), ['next_fire_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_schedules_platform'), ['platform'], unique=False)


def _create_prompt_suggestions() -> None:
    op.create_table('prompt_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('similar_to', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('prompt_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_suggestions_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prompt_suggestions_user_id'), ['user_id'], unique=False)


def _create_support_member_places() -> None:
    op.create_table('support_member_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'community_id', 'user_id')
    )
    with op.batch_alter_table('support_member_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_member_places_user_id'), ['user_id'], unique=False)


def _create_support_organizations() -> None:
    op.create_table('support_organizations',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )


def _create_support_services() -> None:
    op.create_table('support_services',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('organization_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('fees_description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('free', sa.Boolean(), nullable=False),
    sa.Column('delivery', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('minimum_age', sa.Integer(), nullable=True),
    sa.Column('maximum_age', sa.Integer(), nullable=True),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('phones', sa.JSON(), nullable=False),
    sa.Column('schedules', sa.JSON(), nullable=False),
    sa.Column('locations', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('support_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_services_organization_id'), ['organization_id'], unique=False)


def _create_timers() -> None:
    op.create_table('timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('community_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'key')
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timers_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_timers_status'), ['status'], unique=False)


def downgrade() -> None:
    _drop_timers()
    _drop_support_services()
    _drop_support_organizations()
    _drop_support_member_places()
    _drop_prompt_suggestions()
    _drop_prompt_schedules()
    _drop_prompt_replies()
    _drop_prompt_posts()
    _drop_peer_schedules()
    _drop_peer_rounds()
    _drop_peer_profiles()
    _drop_peer_pairs()
    _drop_peer_blocks()
    _drop_outbox()
    _drop_mod_report_drafts()
    _drop_mod_report_attempts()
    _drop_mod_cases()
    _drop_mod_automod_rules()
    _drop_mod_audit()
    _drop_mod_appeals()
    _drop_member_prefs()
    _drop_custom_prompts()
    _drop_communities()
    _drop_claims()


def _drop_timers() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timers_status'))
        batch_op.drop_index(batch_op.f('ix_timers_due_at'))

    op.drop_table('timers')


def _drop_support_services() -> None:
    with op.batch_alter_table('support_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_services_organization_id'))

    op.drop_table('support_services')


def _drop_support_organizations() -> None:
    op.drop_table('support_organizations')


def _drop_support_member_places() -> None:
    with op.batch_alter_table('support_member_places', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_member_places_user_id'))

    op.drop_table('support_member_places')


def _drop_prompt_suggestions() -> None:
    with op.batch_alter_table('prompt_suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompt_suggestions_user_id'))
        batch_op.drop_index(batch_op.f('ix_prompt_suggestions_community_id'))

    op.drop_table('prompt_suggestions')


def _drop_prompt_schedules() -> None:
    with op.batch_alter_table('prompt_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompt_schedules_platform'))
        batch_op.drop_index(batch_op.f('ix_prompt_schedules_next_fire_at'))
        batch_op.drop_index(batch_op.f('ix_prompt_schedules_community_id'))

    op.drop_table('prompt_schedules')


def _drop_prompt_replies() -> None:
    with op.batch_alter_table('prompt_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompt_replies_user_id'))
        batch_op.drop_index(batch_op.f('ix_prompt_replies_post_id'))

    op.drop_table('prompt_replies')


def _drop_prompt_posts() -> None:
    with op.batch_alter_table('prompt_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompt_posts_thread_id'))
        batch_op.drop_index(batch_op.f('ix_prompt_posts_schedule_id'))
        batch_op.drop_index(batch_op.f('ix_prompt_posts_community_id'))

    op.drop_table('prompt_posts')


def _drop_peer_schedules() -> None:
    with op.batch_alter_table('peer_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_schedules_next_at'))

    op.drop_table('peer_schedules')


def _drop_peer_rounds() -> None:
    with op.batch_alter_table('peer_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_rounds_community_id'))

    op.drop_table('peer_rounds')


def _drop_peer_profiles() -> None:
    with op.batch_alter_table('peer_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_profiles_user_id'))
        batch_op.drop_index(batch_op.f('ix_peer_profiles_community_id'))

    op.drop_table('peer_profiles')


def _drop_peer_pairs() -> None:
    with op.batch_alter_table('peer_pairs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_pairs_round_id'))
        batch_op.drop_index(batch_op.f('ix_peer_pairs_community_id'))

    op.drop_table('peer_pairs')


def _drop_peer_blocks() -> None:
    with op.batch_alter_table('peer_blocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_blocks_user_id'))

    op.drop_table('peer_blocks')


def _drop_outbox() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_platform'))
        batch_op.drop_index(batch_op.f('ix_outbox_next_attempt_at'))

    op.drop_table('outbox')


def _drop_mod_report_drafts() -> None:
    op.drop_table('mod_report_drafts')


def _drop_mod_report_attempts() -> None:
    with op.batch_alter_table('mod_report_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mod_report_attempts_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_mod_report_attempts_at'))

    op.drop_table('mod_report_attempts')


def _drop_mod_cases() -> None:
    with op.batch_alter_table('mod_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mod_cases_target_id'))
        batch_op.drop_index(batch_op.f('ix_mod_cases_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_mod_cases_message_id'))
        batch_op.drop_index(batch_op.f('ix_mod_cases_community_id'))

    op.drop_table('mod_cases')


def _drop_mod_automod_rules() -> None:
    with op.batch_alter_table('mod_automod_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mod_automod_rules_community_id'))

    op.drop_table('mod_automod_rules')


def _drop_mod_audit() -> None:
    with op.batch_alter_table('mod_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mod_audit_target_id'))
        batch_op.drop_index(batch_op.f('ix_mod_audit_community_id'))
        batch_op.drop_index(batch_op.f('ix_mod_audit_at'))
        batch_op.drop_index(batch_op.f('ix_mod_audit_action'))

    op.drop_table('mod_audit')


def _drop_mod_appeals() -> None:
    with op.batch_alter_table('mod_appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mod_appeals_user_id'))
        batch_op.drop_index(batch_op.f('ix_mod_appeals_case_id'))

    op.drop_table('mod_appeals')


def _drop_member_prefs() -> None:
    with op.batch_alter_table('member_prefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_prefs_user_id'))

    op.drop_table('member_prefs')


def _drop_custom_prompts() -> None:
    with op.batch_alter_table('custom_prompts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custom_prompts_community_id'))

    op.drop_table('custom_prompts')


def _drop_communities() -> None:
    op.drop_table('communities')


def _drop_claims() -> None:
    op.drop_table('claims')
