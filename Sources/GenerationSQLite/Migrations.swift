import GRDB

/// Versioned schema migrations, applied in order at start-up. Never edit a shipped migration: add a new one.
enum Migrations {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_initial_schema") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY,
                        email TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL,
                        credits INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0),
                        created_at REAL NOT NULL
                    );
                    CREATE TABLE sessions (
                        selector TEXT PRIMARY KEY,
                        secret_hash BLOB NOT NULL,
                        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        expires_at REAL NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE TABLE payments (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users(id),
                        idempotency_key TEXT NOT NULL,
                        request_fingerprint TEXT NOT NULL,
                        amount_minor INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        credits INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        failure_reason TEXT,
                        timed_out INTEGER NOT NULL DEFAULT 0,
                        provider_reference TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        UNIQUE (user_id, idempotency_key)
                    );
                    CREATE TABLE generations (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        user_id TEXT NOT NULL REFERENCES users(id),
                        kind TEXT NOT NULL,
                        prompt TEXT NOT NULL,
                        status TEXT NOT NULL,
                        credit_cost INTEGER NOT NULL,
                        result_content_type TEXT,
                        result_content TEXT,
                        failure_reason TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        completed_at REAL
                    );
                    CREATE INDEX generations_by_user ON generations (user_id, seq);
                    CREATE TABLE jobs (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        generation_id TEXT NOT NULL UNIQUE REFERENCES generations(id),
                        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        max_attempts INTEGER NOT NULL,
                        run_at REAL NOT NULL,
                        lease_owner TEXT,
                        lease_token TEXT,
                        lease_expires_at REAL,
                        last_error TEXT,
                        trace_headers TEXT NOT NULL DEFAULT '{}',
                        enqueued_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        finished_at REAL
                    );
                    CREATE INDEX jobs_due ON jobs (state, run_at);
                    CREATE INDEX jobs_leases ON jobs (state, lease_expires_at);
                    CREATE TABLE worker_heartbeats (
                        worker_id TEXT PRIMARY KEY,
                        last_seen REAL NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2_sla_minutes") { db in
            // Good and total events per SLA objective and UTC minute (LookoutSLA), so that a restart keeps the history.
            try db.execute(
                sql: """
                    CREATE TABLE sla_minutes (
                        objective TEXT NOT NULL,
                        minute INTEGER NOT NULL,
                        good INTEGER NOT NULL,
                        total INTEGER NOT NULL,
                        PRIMARY KEY (objective, minute)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v3_sla_maintenance") { db in
            // Maintenance windows declared through the API (the SLO file's are not stored), left out of SLA windows.
            try db.execute(
                sql: """
                    CREATE TABLE sla_maintenance (
                        id TEXT PRIMARY KEY,
                        starts_at REAL NOT NULL,
                        ends_at REAL NOT NULL CHECK (ends_at > starts_at),
                        reason TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v4_sla_rollups") { db in
            // The minute buckets summed per hour and per day as they are stored (SLARollup): a report reads the coarsest
            // that fit its windows, so that its cost does not grow with the history kept (issue #20).
            try db.execute(
                sql: """
                    CREATE TABLE sla_hours (
                        objective TEXT NOT NULL,
                        hour INTEGER NOT NULL,
                        good INTEGER NOT NULL,
                        total INTEGER NOT NULL,
                        PRIMARY KEY (objective, hour)
                    ) WITHOUT ROWID;
                    CREATE TABLE sla_days (
                        objective TEXT NOT NULL,
                        day INTEGER NOT NULL,
                        good INTEGER NOT NULL,
                        total INTEGER NOT NULL,
                        PRIMARY KEY (objective, day)
                    ) WITHOUT ROWID;
                    INSERT INTO sla_hours (objective, hour, good, total)
                        SELECT objective, (minute - ((minute % 60) + 60) % 60) / 60, SUM(good), SUM(total) FROM sla_minutes GROUP BY 1, 2;
                    INSERT INTO sla_days (objective, day, good, total)
                        SELECT objective, (minute - ((minute % 1440) + 1440) % 1440) / 1440, SUM(good), SUM(total) FROM sla_minutes GROUP BY 1, 2;
                    """
            )
        }
        migrator.registerMigration("v5_sessions_by_user") { db in
            // Logout of every session and the cap on live sessions per user find a user's sessions (issue #16).
            try db.execute(sql: "CREATE INDEX sessions_by_user ON sessions (user_id, created_at)")
        }
        migrator.registerMigration("v6_retention") { db in
            // The retention purge finds finished jobs and kept artifacts by age without scanning (issue #16).
            try db.execute(
                sql: """
                    CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'dead');
                    CREATE INDEX generations_artifacts ON generations (completed_at) WHERE result_content IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v7_job_releases") { db in
            // Releases at shutdown do not count an attempt, a few times per job only (issue #16).
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN releases INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v8_generation_idempotency") { db in
            // POST /generations takes an optional Idempotency-Key: a retry returns the first submission (issue #16).
            try db.execute(
                sql: """
                    ALTER TABLE generations ADD COLUMN idempotency_key TEXT;
                    ALTER TABLE generations ADD COLUMN request_fingerprint TEXT;
                    CREATE UNIQUE INDEX generations_idempotency ON generations (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v9_open_payments") { db in
            // The reconciler finds pending and unknown payments without scanning every payment (issue #16).
            try db.execute(sql: "CREATE INDEX payments_open ON payments (created_at) WHERE status IN ('pending', 'unknown')")
        }
        migrator.registerMigration("v10_maintenance_audit") { db in
            // Every change of the maintenance plan, kept: declaring a window takes its minutes out of the SLA (#16).
            try db.execute(
                sql: """
                    CREATE TABLE sla_maintenance_audit (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        action TEXT NOT NULL CHECK (action IN ('added', 'removed')),
                        window_id TEXT NOT NULL,
                        starts_at REAL NOT NULL,
                        ends_at REAL NOT NULL,
                        reason TEXT NOT NULL,
                        actor TEXT NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v11_credit_ledger") { db in
            // Every change of a balance, kept (#16): users.credits is the sum of a user's entries. Append-only, enforced
            // by triggers; one entry per purchase, charge and refund (UNIQUE), so a bug that would add credits twice
            // fails its transaction instead. Existing balances open the ledger.
            try db.execute(
                sql: """
                    CREATE TABLE credit_ledger (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id TEXT NOT NULL REFERENCES users(id),
                        delta INTEGER NOT NULL CHECK (delta <> 0),
                        reason TEXT NOT NULL CHECK (reason IN ('opening_balance', 'purchase', 'generation', 'refund')),
                        reference TEXT NOT NULL,
                        at REAL NOT NULL,
                        UNIQUE (reason, reference)
                    );
                    CREATE INDEX credit_ledger_by_user ON credit_ledger (user_id, seq);
                    CREATE TRIGGER credit_ledger_no_update BEFORE UPDATE ON credit_ledger
                        BEGIN SELECT RAISE(ABORT, 'credit_ledger is append-only'); END;
                    CREATE TRIGGER credit_ledger_no_delete BEFORE DELETE ON credit_ledger
                        BEGIN SELECT RAISE(ABORT, 'credit_ledger is append-only'); END;
                    INSERT INTO credit_ledger (user_id, delta, reason, reference, at)
                        SELECT id, credits, 'opening_balance', id, CAST(strftime('%s', 'now') AS REAL) FROM users WHERE credits > 0;
                    """
            )
        }
        return migrator
    }()
}
