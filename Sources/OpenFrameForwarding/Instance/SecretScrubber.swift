/// Replaces known secrets with `***` in text that came from elsewhere (an instance's error
/// message, a libcurl message) before it goes into an error, a progress reason or a log line.
/// Our own messages never contain secrets in the first place; this is the second line.
struct SecretScrubber: Sendable {
    /// Secrets shorter than this are not scrubbed: replacing every "ab" in a message would
    /// mangle it and reveal more about the secret than it hides.
    static let minimumLength = 4

    private let secrets: [String]

    init(_ secrets: [String]) {
        // Longest first, so a secret that contains another is replaced whole.
        self.secrets = Array(Set(secrets.filter { $0.count >= Self.minimumLength })).sorted { $0.count > $1.count }
    }

    func scrub(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingEvery(secret, with: redactedSecret)
        }
        return text
    }

    func scrub(_ error: ForwardingError, extra: [String] = []) -> ForwardingError {
        let scrubber = extra.isEmpty ? self : SecretScrubber(secrets + extra)
        switch error {
        case .instance(let status, let message, let detail):
            return .instance(httpStatus: status, message: scrubber.scrub(message), detail: detail.map(scrubber.scrub))
        case .unreachable(let reason, let mayHaveActed):
            return .unreachable(reason: scrubber.scrub(reason), mayHaveActed: mayHaveActed)
        case .configuration(let message):
            return .configuration(scrubber.scrub(message))
        case .cancelled:
            return .cancelled
        }
    }
}
