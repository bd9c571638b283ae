// SQL for the admin tables (migration 6), in the style of Tables/TableSQL.swift: constants the statement cache can
// key on.

enum PendingChangeSQL {
    static let selectAll = "SELECT kind, key, action, body, author, at FROM pending_changes ORDER BY at, kind, key"
    /// Editing an item again replaces its pending change.
    static let upsert = """
        INSERT INTO pending_changes (kind, key, action, body, author, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (kind, key) DO UPDATE SET action = excluded.action, body = excluded.body, author = excluded.author,
            at = excluded.at
        """
    static let delete = "DELETE FROM pending_changes WHERE kind = ?1 AND key = ?2"
    static let deleteAll = "DELETE FROM pending_changes"
    static let count = "SELECT count(*) FROM pending_changes"
}

enum ReleaseSQL {
    static let fields = "id, kind, status, author, note, created_at, publish_at, published_at, seq, restores, changes"
    static let columns = "SELECT " + fields + ", document FROM releases"
    /// Newest first, with NULL for the document: a list need not read and parse every one (`selectDocument`).
    static let selectSummaries = "SELECT " + fields + ", NULL FROM releases ORDER BY id DESC"
    static let selectDocument = "SELECT document FROM releases WHERE id = ?1"
    static let selectOne = columns + " WHERE id = ?1"
    static let selectScheduled = columns + " WHERE status = 'scheduled' ORDER BY publish_at, id"
    /// Only the publish time, for the refresh loop's cheap check for due releases.
    static let scheduledTimes = "SELECT publish_at FROM releases WHERE status = 'scheduled'"
    static let count = "SELECT count(*) FROM releases"
    static let insert = """
        INSERT INTO releases (kind, status, author, note, created_at, publish_at, published_at, seq, restores, changes, document)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
        """
    static let nextSeq = "SELECT coalesce(max(seq), 0) + 1 FROM releases"
    /// The guard that lets exactly one replica publish a scheduled release: whoever changes the row wins.
    static let claimScheduled = """
        UPDATE releases SET status = 'published', published_at = ?2, seq = ?3 WHERE id = ?1 AND status = 'scheduled'
        """
    static let setDocument = "UPDATE releases SET document = ?2 WHERE id = ?1"
    /// The release published before stays on record, no longer live.
    static let supersede = "UPDATE releases SET status = 'superseded' WHERE status = 'published' AND id != ?1"
    static let cancel = "UPDATE releases SET status = 'cancelled', note = ?2, published_at = NULL, seq = NULL WHERE id = ?1"
}
