import EtalageCore
import Foundation
import Testing

/// Runs every test of one spec file; returns (passed, total) and the failures' descriptions.
private func runSpecFile(_ url: URL) throws -> (passed: Int, total: Int, failures: [String]) {
    let spec = try JSONParser.parse([UInt8](try Data(contentsOf: url)))
    let tests = try #require(spec["tests"]?.arrayValue)
    var passed = 0
    var failures: [String] = []
    for test in tests {
        let name = test["name"]?.stringValue ?? "?"
        do {
            let template = try MustacheTemplate(try #require(test["template"]?.stringValue))
            var partials: [String: MustacheTemplate] = [:]
            for (partialName, source) in test["partials"]?.objectValue ?? [:] {
                partials[partialName] = try MustacheTemplate(try #require(source.stringValue))
            }
            let expected = try #require(test["expected"]?.stringValue)
            let output = template.render(test["data"] ?? .null, partials: partials)
            if output == expected {
                passed += 1
            } else {
                failures.append("\(name): expected \(expected.debugDescription), got \(output.debugDescription)")
            }
        } catch {
            failures.append("\(name): \(error)")
        }
    }
    return (passed, tests.count, failures)
}

@Suite struct MustacheSpecTests {
    static let requiredFiles = ["comments", "delimiters", "interpolation", "inverted", "partials", "sections"]
    static let optionalFiles = ["~inheritance", "~dynamic-names"]

    /// The core modules of mustache/spec must pass byte for byte.
    @Test(arguments: requiredFiles)
    func specModule(_ module: String) throws {
        guard let directory = conformanceURL("mustache-spec") else {
            print("mustache-spec: conformance data absent, skipped")
            return
        }
        let result = try runSpecFile(directory.appendingPathComponent("\(module).json"))
        print("mustache \(module): \(result.passed)/\(result.total) passed")
        for failure in result.failures { Issue.record("\(module) — \(failure)") }
        #expect(result.total > 0)
    }

    /// Every core spec file present is run (a new upstream module must be added to `requiredFiles` above).
    @Test func allCoreSpecFilesAreListed() throws {
        guard let directory = conformanceURL("mustache-spec") else { return }
        let present = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("~") }
            .map { String($0.dropLast(5)) }
        #expect(Set(present) == Set(Self.requiredFiles))
    }

    /// Optional modules are reported, not enforced.
    @Test(arguments: optionalFiles)
    func optionalSpecModule(_ module: String) throws {
        guard let directory = conformanceURL("mustache-spec") else { return }
        let url = directory.appendingPathComponent("\(module).json")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let result = try runSpecFile(url)
        print("optional \(module): \(result.passed)/\(result.total) passed")
        for failure in result.failures { print("optional \(module) failure — \(failure)") }
    }
}

@Suite struct MustacheRenderTests {
    @Test func rendersIntegersWithoutFractionAndDecimalsAsWritten() throws {
        let template = try MustacheTemplate("{{a}} {{b}} {{c}} {{d}}")
        let data: JSON = .object(["a": .number(85), "b": .number(1.21), "c": .number(-0.5), "d": .number(1e21)])
        #expect(template.render(data) == "85 1.21 -0.5 1e+21")
    }

    @Test func escapesHTMLIncludingApostrophe() throws {
        let template = try MustacheTemplate("{{x}}|{{{x}}}|{{& x}}")
        #expect(template.render(.object(["x": .string(#"<a href="x">'&'</a>"#)]))
            == #"&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;|<a href="x">'&'</a>|<a href="x">'&'</a>"#)
    }

    @Test func followsJavaScriptTruthinessForSections() throws {
        let template = try MustacheTemplate("{{#v}}yes{{/v}}{{^v}}no{{/v}}")
        let cases: [(JSON, String)] = [
            (.null, "no"), (.bool(false), "no"), (.number(0), "no"), (.string(""), "no"), (.array([]), "no"),
            (.bool(true), "yes"), (.number(2), "yes"), (.string("0"), "yes"), (.object([:]), "yes"),
            (.array([.null, .null]), "yesyes"),
        ]
        for (value, expected) in cases {
            #expect(template.render(.object(["v": value])) == expected, "\(value)")
        }
    }

    @Test func rendersPartialsFromAClosureAndIntoBytes() throws {
        let row = try MustacheTemplate("<li>{{name}}</li>\n")
        let list = try MustacheTemplate("<ul>\n  {{#items}}\n  {{>row}}\n  {{/items}}\n</ul>\n")
        let data: JSON = .object(["items": .array([.object(["name": .string("a")]), .object(["name": .string("b")])])])
        #expect(list.render(data, partial: { $0 == "row" ? row : nil }) == "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n")
        var bytes: [UInt8] = Array("prefix:".utf8)
        list.render(data, partials: ["row": row], into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "prefix:<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n")
    }

    @Test func boundsSelfRecursivePartials() throws {
        let loop = try MustacheTemplate("x{{>loop}}")
        let output = loop.render(.null, partials: ["loop": loop])
        #expect(output == String(repeating: "x", count: MustacheTemplate.maxPartialDepth + 1))
    }

    @Test func rendersConcurrentlyFromOneTemplate() async throws {
        let template = try MustacheTemplate("{{#tiers}}{{name}}:{{price}};{{/tiers}}")
        let data: JSON = .object(["tiers": .array([
            .object(["name": .string("gold"), "price": .number(9.99)]),
            .object(["name": .string("silver"), "price": .number(5)]),
        ])])
        let outputs = await withTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { template.render(data) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs == Array(repeating: "gold:9.99;silver:5;", count: 8))
    }
}
