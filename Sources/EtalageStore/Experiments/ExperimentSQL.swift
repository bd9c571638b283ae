// SQL for the experiment tables (migration 4), in the style of Tables/TableSQL.swift: constants the statement
// cache can key on.

enum ExperimentSQL {
    static let columns = """
        SELECT key, slot, variants, coverage, condition, namespace, namespace_start, namespace_end, status,
               starts_at, ends_at, seed, created_at, stopped_at
        FROM experiments
        """
    static let selectAll = columns + " ORDER BY created_at, key"
    static let selectByStatus = columns + " WHERE status = ?1 ORDER BY created_at, key"
    static let selectOne = columns + " WHERE key = ?1"
    static let insert = """
        INSERT INTO experiments (key, slot, variants, coverage, condition, namespace, namespace_start, namespace_end,
                                 status, starts_at, ends_at, seed, created_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
        """
    /// Replaces a draft in place; `created_at` stays the first add's.
    static let replaceDraft = """
        UPDATE experiments SET slot = ?2, variants = ?3, coverage = ?4, condition = ?5, namespace = ?6,
            namespace_start = ?7, namespace_end = ?8, status = ?9, starts_at = ?10, ends_at = ?11, seed = ?12
        WHERE key = ?1 AND status = 'draft'
        """
    /// The admin API's write of a released definition: `created_at` stays the first write's; `stopped_at` is set
    /// when it becomes stopped and cleared when a rollback makes it run again.
    static let upsert = """
        INSERT INTO experiments (key, slot, variants, coverage, condition, namespace, namespace_start, namespace_end,
                                 status, starts_at, ends_at, seed, created_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
        ON CONFLICT (key) DO UPDATE SET slot = excluded.slot, variants = excluded.variants, coverage = excluded.coverage,
            condition = excluded.condition, namespace = excluded.namespace, namespace_start = excluded.namespace_start,
            namespace_end = excluded.namespace_end, status = excluded.status, starts_at = excluded.starts_at,
            ends_at = excluded.ends_at, seed = excluded.seed,
            stopped_at = CASE WHEN excluded.status = 'stopped' THEN coalesce(experiments.stopped_at, excluded.created_at) END
        """
    static let delete = "DELETE FROM experiments WHERE key = ?1"
    static let stop = "UPDATE experiments SET status = 'stopped', stopped_at = ?2 WHERE key = ?1 AND status != 'stopped'"
    /// Whether a template id exists for a slot, in any language.
    static let templateExists = "SELECT 1 FROM content WHERE slot = ?1 AND id = ?2 LIMIT 1"
    static let templateIds = "SELECT DISTINCT id FROM content WHERE slot = ?1 ORDER BY id"
}

enum ExposureSQL {
    /// A decision records one exposure per experiment; a repeat (a retried submit) is a no-op.
    static let insert = "INSERT OR IGNORE INTO exposures (decision_id, visitor_id, experiment, variant, at) VALUES (?1, ?2, ?3, ?4, ?5)"
    /// Whether any exposure is recorded under an experiment key; the `exposures_by_experiment` index answers it.
    static let anyForExperiment = "SELECT 1 FROM exposures WHERE experiment = ?1 LIMIT 1"
    /// Unique visitors per variant; the `exposures_by_experiment` index covers it.
    static let visitorsByVariant = """
        SELECT variant, COUNT(DISTINCT visitor_id) FROM exposures WHERE experiment = ?1 GROUP BY variant
        """
    /// Per variant: exposed visitors with at least one conversion on a decision that exposed them, and the revenue
    /// of those conversions. An exposure's primary key is (decision_id, experiment), so each conversion joins at
    /// most one exposure of the experiment and revenue is not double counted.
    static let conversionsByVariant = """
        SELECT x.variant, COUNT(DISTINCT x.visitor_id), TOTAL(e.value)
        FROM exposures x JOIN events e ON e.decision_id = x.decision_id
        WHERE x.experiment = ?1 AND e.type = 'conversion'
        GROUP BY x.variant
        """
}

enum EventSQL {
    static let insert = "INSERT INTO events (type, decision_id, visitor_id, value, at, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
}
