/// A command's options, declared once: the parser and the help text both read the declaration.
struct OptionSpec {
    let name: String
    /// The value's placeholder (`FILE`, `N`); nil for a flag.
    let value: String?
    let help: String
}

struct ParsedOptions {
    /// Every value given to each option, in order; `value(_:)` is the last (a repeated option overrides).
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []

    func value(_ name: String) -> String? { values[name]?.last }
    /// For options that accumulate (`--ignore A --ignore B`).
    func allValues(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { flags.contains(name) }
}

/// A mistake in the command line: exit status 2 and a message on stderr.
struct UsageError: Error {
    let message: String
}

enum OptionParser {
    /// Accepts `--name value`, `--name=value`, flags, `--` and `-` (standard input) as a positional.
    static func parse(_ arguments: ArraySlice<String>, specs: [OptionSpec], command: String) throws(UsageError) -> ParsedOptions {
        var parsed = ParsedOptions()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                parsed.positionals.append(contentsOf: rest)
                break
            }
            guard argument.hasPrefix("--") || (argument.hasPrefix("-") && argument != "-") else {
                parsed.positionals.append(argument)
                continue
            }
            var name = argument
            var inline: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            if name == "-h" { name = "--help" }
            guard let spec = specs.first(where: { "--\($0.name)" == name }) else {
                let suggestion = specs.map { "--\($0.name)" }.first { Self.close(name, $0) }.map { " (did you mean \($0)?)" } ?? ""
                throw UsageError(message: "unknown option '\(name)'\(suggestion); see 'openframe-rpc \(command) --help'")
            }
            if let placeholder = spec.value {
                guard let value = inline ?? rest.popFirst() else {
                    throw UsageError(message: "option '\(name)' needs a value (\(placeholder))")
                }
                parsed.values[spec.name, default: []].append(value)
            } else {
                if inline != nil { throw UsageError(message: "option '\(name)' takes no value") }
                parsed.flags.insert(spec.name)
            }
        }
        return parsed
    }

    /// The help text's option list, aligned.
    static func describe(_ specs: [OptionSpec]) -> String {
        let labels = specs.map { "--\($0.name)" + ($0.value.map { " \($0)" } ?? "") }
        let width = (labels.map(\.count).max() ?? 0) + 2
        return zip(labels, specs).map { label, spec in
            "  " + label + String(repeating: " ", count: width - label.count) + spec.help
        }.joined(separator: "\n")
    }

    private static func close(_ a: String, _ b: String) -> Bool {
        distance(a, b) <= 2
    }

    /// The candidate nearest to `word` (case-insensitive edit distance; the first of equals).
    static func closest(to word: String, among candidates: [String]) -> String? {
        candidates.min { distance(word, $0) < distance(word, $1) }
    }

    /// Case-insensitive Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.lowercased()), y = Array(b.lowercased())
        if x == y { return 0 }
        var previous = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...max(y.count, 1) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[y.count]
    }
}
