-- The gamification domain whose changes fire the event hooks (tasks, XP, ranks, streaks, challenges, arena).

CREATE TABLE tasks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   int NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    status      text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'doing', 'done')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    -- XP is given the first time a task is done only, so reopening cannot farm XP.
    xp_awarded  bool NOT NULL DEFAULT false,
    CONSTRAINT tasks_done_at_check CHECK ((status = 'done') = (done_at IS NOT NULL))
);
-- The caller's tasks, newest first.
CREATE INDEX tasks_tenant_created_idx ON tasks (tenant_id, created_at DESC, id DESC);
-- tasks_burst: done tasks of a tenant in the last 24 h.
CREATE INDEX tasks_tenant_done_idx ON tasks (tenant_id, done_at) WHERE status = 'done';
-- all_tasks_cleared: does a non-done task remain?
CREATE INDEX tasks_tenant_open_idx ON tasks (tenant_id) WHERE status <> 'done';

CREATE TABLE xp_ledger (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   int NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    amount      int NOT NULL CHECK (amount > 0),
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX xp_ledger_tenant_idx ON xp_ledger (tenant_id, created_at);

-- One row per tenant: the daily streak, and the row every XP-changing transaction locks
-- first (SELECT … FOR UPDATE) so that concurrent requests of a tenant are serialised.
CREATE TABLE gamification_state (
    tenant_id        int PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    streak_days      int NOT NULL DEFAULT 0 CHECK (streak_days >= 0),
    last_xp_day      date,
    milestones_fired int[] NOT NULL DEFAULT '{}'
);

CREATE TABLE challenges (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    int NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed')),
    xp_reward    int NOT NULL DEFAULT 50 CHECK (xp_reward BETWEEN 1 AND 100000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    CONSTRAINT challenges_completed_at_check
        CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX challenges_tenant_created_idx ON challenges (tenant_id, created_at DESC, id DESC);

-- Shared by every tenant.
CREATE TABLE arena_challenges (
    id          serial PRIMARY KEY,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    badge_name  text NOT NULL CHECK (char_length(badge_name) BETWEEN 1 AND 200),
    xp_reward   int NOT NULL CHECK (xp_reward BETWEEN 1 AND 100000),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE arena_claims (
    tenant_id          int NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    arena_challenge_id int NOT NULL REFERENCES arena_challenges(id) ON DELETE CASCADE,
    xp_awarded         int NOT NULL,
    claimed_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT arena_claims_unique UNIQUE (tenant_id, arena_challenge_id)
);

INSERT INTO arena_challenges (title, badge_name, xp_reward) VALUES
    ('Ship a feature before Friday', 'Sprint Champion', 50),
    ('Clear your whole task list', 'Inbox Zero', 75),
    ('Keep a seven-day streak', 'Streak Keeper', 150),
    ('Squash ten bugs in a day', 'Bug Squasher', 100),
    ('Help a teammate finish a challenge', 'Team Player', 60);
