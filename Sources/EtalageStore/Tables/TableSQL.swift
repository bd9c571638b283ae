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
    static let selectAll = """
        SELECT id, first_name, locale, tier, points, joined_at, birthday,
               consent_personalization, marketing_opt_in, subscription_status
        FROM members
        """
}

enum OrderSQL {
    static let upsert = """
        INSERT INTO orders (id, member_id, placed_at, amount, channel, category, returned)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (id) DO UPDATE SET
            member_id = excluded.member_id, placed_at = excluded.placed_at, amount = excluded.amount,
            channel = excluded.channel, category = excluded.category, returned = excluded.returned
        """
    /// Orders grouped by member, oldest first, so a builder folds them in one pass.
    static let selectAllByMember = """
        SELECT member_id, placed_at, amount, channel, category, returned
        FROM orders ORDER BY member_id, placed_at
        """
}

enum ServiceEventSQL {
    static let upsert = """
        INSERT INTO service_events (member_id, at, kind, satisfaction) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (member_id, at, kind) DO UPDATE SET satisfaction = excluded.satisfaction
        """
    static let selectAll = "SELECT member_id, at, kind, satisfaction FROM service_events"
}

enum ContentSQL {
    static let upsert = """
        INSERT INTO content (slot, id, locale, source, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
        ON CONFLICT (slot, id, locale) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at
        """
    static let selectAll = "SELECT slot, id, locale, source FROM content ORDER BY slot, id, locale"
}

enum RuleSQL {
    static let upsert = """
        INSERT INTO rules (id, slot, priority, segment, template_id, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (id) DO UPDATE SET slot = excluded.slot, priority = excluded.priority, segment = excluded.segment,
            template_id = excluded.template_id, status = excluded.status
        """
    static let selectLive = "SELECT id, slot, priority, segment, template_id FROM rules WHERE status = 'live' ORDER BY slot, priority DESC, id"
}

enum CampaignSQL {
    static let upsert = "INSERT INTO campaigns (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = excluded.name"
    static let selectAll = "SELECT id, name FROM campaigns"
}

enum SettingSQL {
    static let upsert = "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    static let selectAll = "SELECT key, value FROM settings"
}
