import EtalageCore

/// Schema migrations, applied in order on open. `PRAGMA user_version` records how many have run,
/// so opening an up-to-date database runs nothing (https://sqlite.org/pragma.html#pragma_user_version).
public enum Migrations {
    /// One step: SQL, or code for data that Swift owns (the default segment catalogue).
    public enum Step: Sendable {
        case sql(String)
        case code(@Sendable (SQLiteConnection) throws -> Void)
    }

    /// Each entry moves the schema one version up. Never edit a shipped entry: append a new one.
    public static let steps: [Step] = [.sql(
        // 1: the CRM, content, rules and settings.
        """
        CREATE TABLE members (
            id TEXT PRIMARY KEY NOT NULL,
            first_name TEXT NOT NULL,
            email TEXT,
            locale TEXT NOT NULL,
            tier TEXT NOT NULL CHECK (tier IN ('bronze', 'silver', 'gold')),
            points INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0),
            joined_at TEXT NOT NULL,
            birthday TEXT,
            consent_personalization INTEGER NOT NULL CHECK (consent_personalization IN (0, 1)),
            marketing_opt_in INTEGER NOT NULL CHECK (marketing_opt_in IN (0, 1)),
            subscription_status TEXT NOT NULL CHECK (subscription_status IN ('active', 'cancelled', 'none'))
        ) STRICT;
        CREATE TABLE orders (
            id TEXT PRIMARY KEY NOT NULL,
            member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            placed_at TEXT NOT NULL,
            amount REAL NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('online', 'store')),
            category TEXT NOT NULL,
            returned INTEGER NOT NULL DEFAULT 0 CHECK (returned IN (0, 1))
        ) STRICT;
        CREATE INDEX orders_by_member ON orders(member_id, placed_at);
        CREATE TABLE service_events (
            id INTEGER PRIMARY KEY,
            member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('complaint', 'contact', 'review')),
            satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
            UNIQUE (member_id, at, kind)
        ) STRICT;
        CREATE INDEX service_events_by_member ON service_events(member_id, at);
        CREATE TABLE content (
            slot TEXT NOT NULL CHECK (slot IN ('variant', 'greeting', 'banner', 'cta')),
            id TEXT NOT NULL,
            locale TEXT NOT NULL,
            source TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (slot, id, locale)
        ) STRICT;
        CREATE TABLE rules (
            id TEXT PRIMARY KEY NOT NULL,
            slot TEXT NOT NULL CHECK (slot IN ('variant', 'greeting', 'banner', 'cta')),
            priority INTEGER NOT NULL,
            segment TEXT,
            template_id TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'live' CHECK (status IN ('draft', 'live'))
        ) STRICT;
        CREATE TABLE campaigns (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL
        ) STRICT;
        CREATE TABLE settings (
            key TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) STRICT;
        """),
        // 2: the segment catalogue, and the change feed that lets a refresh reload only what changed.
        .sql("""
        CREATE TABLE segments (
            id TEXT PRIMARY KEY NOT NULL,
            description TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('member', 'request')),
            grp TEXT,
            position INTEGER NOT NULL DEFAULT 0,
            condition TEXT CHECK (condition IS NULL OR json_valid(condition))
        ) STRICT;
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            tbl TEXT NOT NULL,
            member_id TEXT,
            at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0)
        );
        CREATE INDEX changes_by_time ON changes(at);
        \(ChangeFeedSQL.triggers)
        """),
        .code { db in
            for d in SegmentCatalog.defaultDefinitions {
                try db.run(SegmentSQL.upsert, SegmentSQL.values(d))
            }
        },
        // 3: rule conditions and schedules. Times are ISO 8601; without an offset they are local to `timezone`.
        .sql("""
        ALTER TABLE rules ADD COLUMN condition TEXT CHECK (condition IS NULL OR json_valid(condition));
        ALTER TABLE rules ADD COLUMN starts_at TEXT;
        ALTER TABLE rules ADD COLUMN ends_at TEXT;
        ALTER TABLE rules ADD COLUMN timezone TEXT;
        """),
        // 4: experiments, and the events that measure them. `exposures` is what decisions showed; `events` is what
        // the page reports back (impressions, clicks, conversions), joined to exposures by decision id.
        .sql("""
        CREATE TABLE experiments (
            key TEXT PRIMARY KEY NOT NULL,
            slot TEXT NOT NULL CHECK (slot IN ('variant', 'greeting', 'banner', 'cta')),
            variants TEXT NOT NULL CHECK (json_valid(variants)),
            coverage REAL NOT NULL DEFAULT 1 CHECK (coverage >= 0 AND coverage <= 1),
            condition TEXT CHECK (condition IS NULL OR json_valid(condition)),
            namespace TEXT,
            namespace_start REAL,
            namespace_end REAL,
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'stopped')),
            starts_at TEXT,
            ends_at TEXT,
            seed TEXT,
            created_at TEXT NOT NULL,
            stopped_at TEXT
        ) STRICT;
        CREATE TABLE exposures (
            decision_id TEXT NOT NULL,
            visitor_id TEXT NOT NULL,
            experiment TEXT NOT NULL,
            variant TEXT NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (decision_id, experiment)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX exposures_by_experiment ON exposures(experiment, variant, visitor_id);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL CHECK (type IN ('impression', 'click', 'conversion')),
            decision_id TEXT NOT NULL,
            visitor_id TEXT NOT NULL,
            value REAL,
            at REAL NOT NULL,
            received_at REAL NOT NULL
        ) STRICT;
        CREATE INDEX events_by_decision ON events(decision_id);
        CREATE TRIGGER experiments_changed_insert AFTER INSERT ON experiments BEGIN INSERT INTO changes (tbl) VALUES ('experiments'); END;
        CREATE TRIGGER experiments_changed_update AFTER UPDATE ON experiments BEGIN INSERT INTO changes (tbl) VALUES ('experiments'); END;
        CREATE TRIGGER experiments_changed_delete AFTER DELETE ON experiments BEGIN INSERT INTO changes (tbl) VALUES ('experiments'); END;
        """),
        // 5: the audit trail of GDPR erasures. It keeps when and how much, never who.
        .sql("""
        CREATE TABLE erasures (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            orders INTEGER NOT NULL,
            service_events INTEGER NOT NULL
        ) STRICT;
        """),
        // 6: the admin API's draft and releases. `pending_changes` holds one change per item (the full new item, or
        // a delete) until a release applies it to the live tables; `releases` records every release with its
        // changes and, once published, the whole content document after it (for rollback, diff and preview).
        // Neither feeds the snapshot: only the live tables do, through their change-feed triggers.
        .sql("""
        CREATE TABLE pending_changes (
            kind TEXT NOT NULL CHECK (kind IN ('template', 'rule', 'segment', 'experiment')),
            key TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('put', 'delete')),
            body TEXT CHECK (body IS NULL OR json_valid(body)),
            author TEXT NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (kind, key)
        ) STRICT;
        CREATE TABLE releases (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('baseline', 'release', 'rollback')),
            status TEXT NOT NULL CHECK (status IN ('published', 'scheduled', 'cancelled', 'superseded')),
            author TEXT NOT NULL,
            note TEXT,
            created_at TEXT NOT NULL,
            publish_at TEXT,
            published_at TEXT,
            seq INTEGER UNIQUE,
            restores INTEGER,
            changes TEXT NOT NULL CHECK (json_valid(changes)),
            document TEXT CHECK (document IS NULL OR json_valid(document))
        ) STRICT;
        CREATE INDEX releases_by_status ON releases(status);
        """),
    ]

    /// The schema version a fully migrated database has.
    public static var latestVersion: Int { steps.count }

    /// Applies every step above the database's `user_version`, each in its own transaction. Idempotent.
    /// - Returns: how many steps ran.
    @discardableResult
    public static func migrate(_ db: SQLiteConnection) throws -> Int {
        var applied = 0
        try db.writeTransaction {
            let current = try db.userVersion()
            guard current <= steps.count else {
                throw SQLiteError(code: 1, message: "database schema version \(current) is newer than this etalage (\(steps.count)); upgrade etalage")
            }
            for index in current..<steps.count {
                switch steps[index] {
                case .sql(let sql): try db.execute(sql)
                case .code(let run): try run(db)
                }
                // PRAGMA takes no bound parameters; the value is our own integer.
                try db.execute("PRAGMA user_version = \(index + 1)")
                applied += 1
            }
        }
        return applied
    }
}
