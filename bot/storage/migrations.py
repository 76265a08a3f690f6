"""The schema, as a list of migrations applied in order (``PRAGMA user_version`` counts them).

Never edit a migration that has shipped: append a new one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: users, the FAQ as served, and the log of every question with its outcome
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        lang TEXT,
        first_name TEXT NOT NULL DEFAULT '',
        blocked_bot INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE faq_entries (
        id TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        reviewed TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('shipped', 'admin')),
        updated_at TEXT NOT NULL,
        updated_by INTEGER
    );
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        text TEXT NOT NULL,
        lang TEXT NOT NULL,
        status TEXT NOT NULL,
        entry_id TEXT,
        score REAL NOT NULL DEFAULT 0,
        candidates TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL
    );
    CREATE INDEX questions_by_user ON questions (user_id, created_at);
    """,
    # 2: escalation to officials: tickets, the link table of officials' chat messages, answers, drafts,
    # and small runtime settings (the officials' chat id after a group became a supergroup)
    """
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        question_id INTEGER UNIQUE REFERENCES questions (id),
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        asker_name TEXT NOT NULL DEFAULT '',
        lang TEXT NOT NULL,
        text TEXT NOT NULL,
        candidates TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
        officials_chat_id INTEGER,
        officials_message_id INTEGER,
        topic_id INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        reminded_at TEXT
    );
    CREATE INDEX tickets_by_user ON tickets (user_id, status);
    CREATE INDEX tickets_by_topic ON tickets (officials_chat_id, topic_id);
    CREATE TABLE ticket_messages (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE TABLE ticket_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        official_id INTEGER NOT NULL,
        official_name TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        delivery TEXT NOT NULL CHECK (delivery IN ('pending', 'delivered', 'blocked')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        delivered_at TEXT
    );
    CREATE TABLE faq_drafts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER REFERENCES tickets (id),
        lang TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE runtime_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: FAQ editing from Telegram: versions, soft deletes (so shipped files do not resurrect a deleted
    # entry), the file an entry belongs to, the full history of changes, and granted roles
    """
    ALTER TABLE faq_entries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE faq_entries ADD COLUMN file TEXT;
    ALTER TABLE faq_entries ADD COLUMN deleted_at TEXT;
    CREATE TABLE faq_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        action TEXT NOT NULL,
        before TEXT,
        after TEXT,
        actor INTEGER,
        at TEXT NOT NULL
    );
    CREATE INDEX faq_history_by_entry ON faq_history (entry_id, version);
    CREATE TABLE roles (
        user_id INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'official')),
        granted_by INTEGER NOT NULL,
        granted_at TEXT NOT NULL,
        PRIMARY KEY (user_id, role)
    );
    """,
    # 4: exactly once and nothing lost. The inbox records every incoming update before it is acted on
    # (replayed after a crash); the outbox holds every message the relay owes (ticket posts, answer
    # deliveries, notes, notices to askers), each claimed by one sender under a lease; dialogs (FSM) are
    # stored; a question and an official's answer remember the update they came from, so a replay does
    # not record them twice; a ticket remembers every forum topic it ever had; an answer Telegram refused for
    # good is "failed" (the table is rebuilt: SQLite cannot change a CHECK constraint in place).
    """
    ALTER TABLE users ADD COLUMN question_lang TEXT;
    ALTER TABLE questions ADD COLUMN update_id INTEGER;
    CREATE UNIQUE INDEX questions_by_update ON questions (update_id) WHERE update_id IS NOT NULL;
    ALTER TABLE questions ADD COLUMN replied_at TEXT;
    CREATE TABLE ticket_answers_v4 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        official_id INTEGER NOT NULL,
        official_name TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        delivery TEXT NOT NULL CHECK (delivery IN ('pending', 'delivered', 'blocked', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        source_chat_id INTEGER,
        source_message_id INTEGER
    );
    INSERT INTO ticket_answers_v4 (id, ticket_id, official_id, official_name, text, delivery, attempts, created_at,
                                   delivered_at)
        SELECT id, ticket_id, official_id, official_name, text, delivery, attempts, created_at, delivered_at
        FROM ticket_answers;
    DROP TABLE ticket_answers;
    ALTER TABLE ticket_answers_v4 RENAME TO ticket_answers;
    CREATE INDEX ticket_answers_by_ticket ON ticket_answers (ticket_id, id);
    CREATE UNIQUE INDEX ticket_answers_by_source ON ticket_answers (source_chat_id, source_message_id)
        WHERE source_message_id IS NOT NULL;
    UPDATE tickets SET lang = COALESCE(
        (SELECT u.lang FROM users u WHERE u.id = tickets.user_id AND u.lang IN ('ky', 'ru')), 'ky')
        WHERE lang NOT IN ('ky', 'ru');
    CREATE TABLE ticket_topics (
        chat_id INTEGER NOT NULL,
        topic_id INTEGER NOT NULL,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        PRIMARY KEY (chat_id, topic_id)
    );
    INSERT OR IGNORE INTO ticket_topics (chat_id, topic_id, ticket_id)
        SELECT officials_chat_id, topic_id, id FROM tickets WHERE topic_id IS NOT NULL AND officials_chat_id IS NOT NULL;
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        data TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('received', 'done')),
        received_at REAL NOT NULL,
        done_at REAL,
        replied_at REAL,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX inbox_waiting ON inbox (update_id) WHERE state = 'received';
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        ticket_id INTEGER REFERENCES tickets (id),
        answer_id INTEGER REFERENCES ticket_answers (id),
        chat_id INTEGER,
        payload TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'done', 'failed', 'blocked')),
        owner TEXT,
        lease_until REAL,
        not_before REAL NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE INDEX outbox_open ON outbox (id) WHERE state IN ('pending', 'claimed');
    CREATE INDEX outbox_by_ticket ON outbox (ticket_id, id);
    CREATE INDEX outbox_by_chat ON outbox (chat_id, state);
    INSERT INTO outbox (kind, ticket_id, state, created_at)
        SELECT 'post_ticket', id, 'pending', created_at FROM tickets
        WHERE officials_message_id IS NULL AND status != 'closed' ORDER BY id;
    INSERT INTO outbox (kind, ticket_id, answer_id, state, created_at)
        SELECT 'deliver_answer', ticket_id, id, 'pending', created_at FROM ticket_answers
        WHERE delivery = 'pending' ORDER BY id;
    CREATE TABLE fsm (
        key TEXT PRIMARY KEY,
        state TEXT,
        data TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL
    );
    """,
    # 5: learning from use (issue #15). Every FAQ answer the bot showed (matched, picked from suggestions,
    # opened from /topics or a shared link) with the person's 👍/👎; a suggestion a person picked is a
    # candidate variant of its entry; an admin's /review decision per question. The language a question
    # was written in is kept with it (a variant is added in that language). Deleting a question (/forget_me)
    # deletes what hangs on it.
    """
    ALTER TABLE questions ADD COLUMN question_lang TEXT;
    CREATE INDEX questions_by_time ON questions (created_at);
    CREATE TABLE shown_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        question_id INTEGER REFERENCES questions (id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        entry_id TEXT NOT NULL,
        lang TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('match', 'suggestion', 'browse', 'link')),
        vote INTEGER CHECK (vote IN (-1, 1)),
        voted_at TEXT,
        created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX shown_answers_once ON shown_answers (question_id, entry_id) WHERE question_id IS NOT NULL;
    CREATE INDEX shown_answers_by_user ON shown_answers (user_id);
    CREATE INDEX shown_answers_by_time ON shown_answers (created_at);
    CREATE TABLE variant_candidates (
        question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        entry_id TEXT NOT NULL,
        lang TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (question_id, entry_id)
    );
    CREATE TABLE question_reviews (
        question_id INTEGER PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
        decision TEXT NOT NULL CHECK (decision IN ('variant', 'new', 'skip', 'out_of_scope')),
        entry_id TEXT,
        actor INTEGER NOT NULL,
        at TEXT NOT NULL
    );
    """,
]
