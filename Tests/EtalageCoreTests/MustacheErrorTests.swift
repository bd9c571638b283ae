import EtalageCore
import Testing

private func parseError(_ source: String) -> MustacheError? {
    do {
        _ = try MustacheTemplate(source)
        return nil
    } catch {
        return error
    }
}

@Suite struct MustacheErrorTests {
    @Test func unclosedSectionPointsAtItsOpeningTag() {
        let error = parseError("<p>\n{{#user}}\n  {{#tier}}\n{{name}}\n{{/user}}")
        #expect(error?.description == "line 5, column 1: closing tag 'user' does not match open section 'tier'")
        let unclosed = parseError("<p>\n\n  x {{#tier}}\n{{name}}\n")
        #expect(unclosed == MustacheError(line: 3, column: 5, message: "unclosed section 'tier'"))
        #expect(unclosed?.description == "line 3, column 5: unclosed section 'tier'")
    }

    @Test func unclosedInvertedSectionBlockAndParent() {
        #expect(parseError("{{^empty}}x")?.description == "line 1, column 1: unclosed section 'empty'")
        #expect(parseError("a{{$b}}x")?.description == "line 1, column 2: unclosed block 'b'")
        #expect(parseError("{{<p}}x")?.description == "line 1, column 1: unclosed parent 'p'")
    }

    @Test func mismatchedClose() {
        #expect(parseError("{{#test}}\n{{.}}\n{{/test2}}")?.description
            == "line 3, column 1: closing tag 'test2' does not match open section 'test'")
        #expect(parseError("ok {{/nothing}}")?.description == "line 1, column 4: closing tag 'nothing' without an open section")
    }

    @Test func unclosedTag() {
        #expect(parseError("{{#test}}\n{{name}\n{{/test}}")?.description
            == "line 2, column 1: unclosed tag, expected '}}'")
        #expect(parseError("Hello {{name")?.description == "line 1, column 7: unclosed tag, expected '}}'")
        #expect(parseError("é{{{name}}")?.description == "line 1, column 2: unclosed tag, expected '}}}'")
        #expect(parseError("{{=<% %>=}}\n<%name")?.description == "line 2, column 1: unclosed tag, expected '%>'")
    }

    @Test func badDelimiters() {
        #expect(parseError("x\n  {{=<% %>}}")?.description
            == "line 2, column 3: invalid set-delimiter tag, expected '=' before the closing delimiter")
        #expect(parseError("{{=<%=}}")?.description == "line 1, column 1: invalid set-delimiter tag, expected two delimiters")
        #expect(parseError("{{=a= b=}}")?.description == "line 1, column 1: invalid set-delimiter tag, expected two delimiters")
        #expect(parseError("{{= a b c =}}")?.description == "line 1, column 1: invalid set-delimiter tag, expected two delimiters")
    }

    @Test func badNames() {
        #expect(parseError("{{}}")?.description == "line 1, column 1: empty tag")
        #expect(parseError("{{a b}}")?.description == "line 1, column 1: invalid name 'a b'")
        #expect(parseError("{{#a..b}}{{/a..b}}")?.description == "line 1, column 1: invalid name 'a..b'")
        #expect(parseError("{{>}}")?.description == "line 1, column 1: empty partial name")
    }

    @Test func validTemplatesDoNotThrow() throws {
        _ = try MustacheTemplate("")
        _ = try MustacheTemplate("no tags at all { } }}")
        _ = try MustacheTemplate("{{! a comment with }} inside is fine? no: it ends at the first }}")
        _ = try MustacheTemplate("{{=| |=}}|#a||/a|")
    }
}
