import EtalageCore

/// Snapshots for previews: the live snapshot's members and settings with the content, segment catalogue and
/// experiments of another document (a draft, a past or a scheduled release), built in memory with the snapshot
/// builder's own catalogue code, without touching the live tables.
public enum ContentPreview {
    /// The live snapshot with `document`'s content, segments and experiments. When the segment catalogue differs
    /// from the live one, the member `memberId` (only that one: a preview is one visit) is segmented again with it.
    public static func snapshot(_ document: ContentDocument, over live: Snapshot, memberId: String?) -> Snapshot {
        let parts = self.parts(document, over: live)
        var members = live.members
        if parts.segmentsChanged, let memberId, var profile = live.members[memberId] {
            parts.segments.assign(&profile, cuts: live.rfmCuts)
            members = members.applying([memberId: profile])
        }
        return parts.snapshot(over: live, members: members)
    }

    /// The live snapshot with `document`'s parts and, when its segment catalogue differs, every member segmented
    /// again with it (linear in the members: for reach counts).
    public static func snapshotForAllMembers(_ document: ContentDocument, over live: Snapshot) -> Snapshot {
        let parts = self.parts(document, over: live)
        var members = live.members
        var cuts = live.rfmCuts
        if parts.segmentsChanged {
            var builder = MemberTableBuilder(today: live.today)
            live.members.forEach { builder.append($0) }
            (members, cuts) = builder.finish(catalog: parts.segments, parallelism: 1)
        }
        return parts.snapshot(over: live, members: members, rfmCuts: cuts)
    }

    struct Parts {
        var content: ContentCatalog
        var segments: SegmentCatalog
        var segmentsChanged: Bool
        var experiments: [ExperimentDefinition]

        /// The live snapshot (its time, settings and feed position) with these parts and `members` segmented by them.
        func snapshot(over live: Snapshot, members: MemberTable, rfmCuts: RFMCuts? = nil) -> Snapshot {
            live.replacing(asOf: live.asOf, members: members, content: content, segments: segments, rfmCuts: rfmCuts,
                           experiments: experiments, feedSequence: live.feedSequence)
        }
    }

    /// The document's catalogues, as `SnapshotBuilder` makes them from rows: items that do not check out are left out.
    static func parts(_ document: ContentDocument, over live: Snapshot) -> Parts {
        var warnings: [SnapshotBuilder.Warning] = []
        let segments = document.segmentCatalog
        let templates = document.sorted(.template).compactMap { _, item -> SnapshotBuilder.TemplateRow? in
            guard let slot = item["slot"]?.stringValue, let id = item["id"]?.stringValue,
                  let locale = item["locale"]?.stringValue, let source = item["source"]?.stringValue else { return nil }
            return SnapshotBuilder.TemplateRow(slot: slot, id: id, language: locale, source: source)
        }
        let rules = document.sorted(.rule).compactMap { RuleRows.row($0.item) }
        let content = SnapshotBuilder.contentCatalog(templates: templates, rules: rules, campaigns: live.campaigns,
                                                     segments: segments, defaultLanguage: live.settings.defaultLanguage,
                                                     warnings: &warnings)
        let experiments = document.sorted(.experiment).compactMap { try? ExperimentDefinition(json: $0.item) }
        return Parts(content: content, segments: segments,
                     segmentsChanged: segments.definitions != live.segments.definitions, experiments: experiments)
    }
}
