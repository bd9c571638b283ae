import EtalageCore

// SQL lives here, one namespace per table, so every statement is a constant the statement cache can key on.

enum MemberSQL {
    static let exists = "SELECT 1 FROM members WHERE id = ?1"
    static let upsert = """
        INSERT INTO members (id, first_name, email, locale, tier, points, joined_at, birthday,
                             consent_personalization, marketing_opt_in, subscription_status)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
        ON CONFLICT (id) DO UPDATE SET
            first_name = excluded.first_name, email = excluded.email, locale = excluded.locale,
            tier = excluded.tier, points = excluded.points, joined_at = excluded.joined_at,
            birthday = excluded.birthday, consent_personalization = excluded.consent_personalization,
            marketing_opt_in = excluded.marketing_opt_in, subscription_status = excluded.subscription_status
        """
    static let columns = """
        SELECT id, first_name, locale, tier, points, joined_at, birthday,
               consent_personalization, marketing_opt_in, subscription_status
        FROM members
        """
    /// Ordered by id: the snapshot builder merges members, orders and events in one pass.
    static let selectAll = columns + " ORDER BY id"
    static let selectChanged = columns + " WHERE id IN (SELECT member_id FROM changes WHERE seq > ?1) ORDER BY id"
}

enum OrderSQL {
    static let upsert = """
        INSERT INTO orders (id, member_id, placed_at, amount, channel, category, returned)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (id) DO UPDATE SET
            member_id = excluded.member_id, placed_at = excluded.placed_at, amount = excluded.amount,
            channel = excluded.channel, category = excluded.category, returned = excluded.returned
        """
    static let columns = "SELECT member_id, placed_at, amount, channel, category, returned FROM orders"
    /// Orders grouped by member, so a builder folds them in one pass.
    static let selectAllByMember = columns + " ORDER BY member_id"
    static let selectChanged = columns
        + " WHERE member_id IN (SELECT member_id FROM changes WHERE seq > ?1) ORDER BY member_id"
}

enum ServiceEventSQL {
    static let upsert = """
        INSERT INTO service_events (member_id, at, kind, satisfaction) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (member_id, at, kind) DO UPDATE SET satisfaction = excluded.satisfaction
        """
    static let columns = "SELECT member_id, at, kind, satisfaction FROM service_events"
    static let selectAllByMember = columns + " ORDER BY member_id"
    static let selectChanged = columns
        + " WHERE member_id IN (SELECT member_id FROM changes WHERE seq > ?1) ORDER BY member_id"
}

enum ContentSQL {
    static let upsert = """
        INSERT INTO content (slot, id, locale, source, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (slot, id, locale) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at
        """
    static let selectAll = "SELECT slot, id, locale, source FROM content ORDER BY slot, id, locale"
    static let delete = "DELETE FROM content WHERE slot = ?1 AND id = ?2 AND locale = ?3"
}

enum RuleSQL {
    static let upsert = """
        INSERT INTO rules (id, slot, priority, segment, template_id, status, condition, starts_at, ends_at, timezone)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
        ON CONFLICT (id) DO UPDATE SET slot = excluded.slot, priority = excluded.priority, segment = excluded.segment,
            template_id = excluded.template_id, status = excluded.status, condition = excluded.condition,
            starts_at = excluded.starts_at, ends_at = excluded.ends_at, timezone = excluded.timezone
        """
    /// Drafts too: `rules check` and previews read them; decisions skip them.
    static let selectAll = """
        SELECT id, slot, priority, segment, template_id, status, condition, starts_at, ends_at, timezone
        FROM rules ORDER BY slot, priority DESC, id
        """
    static let delete = "DELETE FROM rules WHERE id = ?1"
}

enum CampaignSQL {
    static let upsert = "INSERT INTO campaigns (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = excluded.name"
    static let selectAll = "SELECT id, name FROM campaigns"
}

enum SettingSQL {
    static let upsert = "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    static let selectAll = "SELECT key, value FROM settings"
}

enum SegmentSQL {
    static let upsert = """
        INSERT INTO segments (id, description, scope, grp, position, condition) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (id) DO UPDATE SET description = excluded.description, scope = excluded.scope, grp = excluded.grp,
            position = excluded.position, condition = excluded.condition
        """
    static let selectAll = "SELECT id, description, scope, grp, position, condition FROM segments"
    static let delete = "DELETE FROM segments WHERE id = ?1"

    static func values(_ d: SegmentDefinition) -> [SQLiteValue] {
        [.text(d.id), .text(d.description), .text(d.scope.rawValue), d.group.map(SQLiteValue.text) ?? .null,
         .integer(Int64(d.position)), d.condition.map { .text($0.description) } ?? .null]
    }
}

/// The change feed: triggers record every write to a table, with the member it concerns, whoever writes
/// (this server, `etalage import`, the sqlite3 shell). A refresh reads the rows after the last sequence it saw.
public enum ChangeFeedSQL {
    static let memberTables = [("members", "id"), ("orders", "member_id"), ("service_events", "member_id")]
    static let catalogTables = ["content", "rules", "campaigns", "settings", "segments"]

    static var triggers: String {
        var sql = ""
        for (table, column) in memberTables {
            sql += """
                CREATE TRIGGER \(table)_changed_insert AFTER INSERT ON \(table) BEGIN
                    INSERT INTO changes (tbl, member_id) VALUES ('\(table)', NEW.\(column)); END;
                CREATE TRIGGER \(table)_changed_update AFTER UPDATE ON \(table) BEGIN
                    INSERT INTO changes (tbl, member_id) VALUES ('\(table)', NEW.\(column));
                    INSERT INTO changes (tbl, member_id) SELECT '\(table)', OLD.\(column) WHERE OLD.\(column) IS NOT NEW.\(column); END;
                CREATE TRIGGER \(table)_changed_delete AFTER DELETE ON \(table) BEGIN
                    INSERT INTO changes (tbl, member_id) VALUES ('\(table)', OLD.\(column)); END;

                """
        }
        for table in catalogTables {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                sql += """
                    CREATE TRIGGER \(table)_changed_\(event.lowercased()) AFTER \(event) ON \(table) BEGIN
                        INSERT INTO changes (tbl) VALUES ('\(table)'); END;

                    """
            }
        }
        return sql
    }

    static let lastSeq = "SELECT coalesce(max(seq), 0) FROM changes"
    /// The oldest row still in the feed, or NULL when it is empty.
    static let firstSeq = "SELECT min(seq) FROM changes"
    /// Changes after a sequence number: which catalogue tables, and which members.
    static let tablesSince = "SELECT DISTINCT tbl FROM changes WHERE seq > ?1"
    static let membersSince = "SELECT DISTINCT member_id FROM changes WHERE seq > ?1 AND member_id IS NOT NULL"
    /// Old feed rows: every replica has long seen them.
    static let prune = "DELETE FROM changes WHERE at < ?1"
}

/// Maintenance of the change feed.
public enum ChangeFeed {
    public static func prune(_ db: SQLiteConnection, olderThan time: Double) throws {
        try db.run(ChangeFeedSQL.prune, [.real(time)])
    }

    /// Empties the feed: after a bulk load into a new database, nobody needs its million rows.
    public static func clear(_ db: SQLiteConnection) throws {
        try db.execute("DELETE FROM changes")
    }
}
