import Foundation
import Testing

@testable import OpenFrameForwarding

@Suite("Retry-After and backoff")
struct RetryTimingTests {
    let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

    @Test("delay-seconds")
    func seconds() {
        #expect(RetryAfter.seconds("0", now: now) == 0)
        #expect(RetryAfter.seconds("2", now: now) == 2)
        #expect(RetryAfter.seconds(" 120 ", now: now) == 120)
        #expect(RetryAfter.seconds("00042", now: now) == 42)
        #expect(RetryAfter.seconds("99999999999999999999999", now: now) == 999_999_999_999_999)
    }

    @Test("HTTP-date in all three forms")
    func dates() {
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == 0)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == 30)
        #expect(RetryAfter.seconds("Sunday, 06-Nov-94 08:49:47 GMT", now: now) == 10)
        #expect(RetryAfter.seconds("Sun Nov  6 08:49:57 1994", now: now) == 20)
        #expect(RetryAfter.seconds("sun, 06 nov 1994 08:49:38 gmt", now: now) == 1)
        // In the past: no wait.
        #expect(RetryAfter.seconds("Wed, 21 Oct 2015 07:28:00 GMT", now: Date(timeIntervalSince1970: 1_800_000_000)) == 0)
        // Leap day, and a date checked against an independent formatter.
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 12:00:00 GMT") == Date(timeIntervalSince1970: 1_709_208_000))
        let sample = Date(timeIntervalSince1970: 1_767_322_245)
        #expect(HTTPDate.parse(HTTPDateFormatting.imf(sample)) == sample)
    }

    @Test(
        "garbage is not a Retry-After",
        arguments: [
            "", " ", "-1", "1.5", "+3", "soon", "0x10", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Funday, 06-Nov-94 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT", "Sun Nov 6 08:49:37", "2 seconds", "١٢",
        ])
    func garbage(_ value: String) {
        #expect(RetryAfter.seconds(value, now: now) == nil)
    }

    @Test("backoff ceilings double from the base and stop at the cap")
    func ceilings() {
        #expect(Backoff.ceiling(retry: 1, base: 0.5, cap: 60) == 0.5)
        #expect(Backoff.ceiling(retry: 2, base: 0.5, cap: 60) == 1)
        #expect(Backoff.ceiling(retry: 3, base: 0.5, cap: 60) == 2)
        #expect(Backoff.ceiling(retry: 8, base: 0.5, cap: 60) == 60)
        #expect(Backoff.ceiling(retry: 1000, base: 0.5, cap: 60) == 60)
        #expect(Backoff.ceiling(retry: 0, base: 0.5, cap: 60) == 0.5)
    }

    @Test("full jitter: every delay within [0, ceiling], and spread over it")
    func jitter() {
        var generator = SplitMix64(seed: 42)
        for retry in 1...10 {
            let ceiling = Backoff.ceiling(retry: retry, base: 0.5, cap: 30)
            var low = Double.infinity, high = 0.0
            for _ in 0..<500 {
                let delay = Backoff.delay(retry: retry, base: 0.5, cap: 30, using: &generator)
                #expect(delay >= 0 && delay <= ceiling)
                low = min(low, delay)
                high = max(high, delay)
            }
            #expect(low < ceiling * 0.1, "retry \(retry): the low end is used")
            #expect(high > ceiling * 0.9, "retry \(retry): the high end is used")
        }
        #expect(Backoff.delay(retry: 3, base: 0, cap: 30) == 0)
    }

    @Test("the log's retry delay has two decimals, rounded, as %.2f gave")
    func delayInTheLog() {
        #expect(InstanceClient.format(0) == "0.00")
        #expect(InstanceClient.format(0.25) == "0.25")
        #expect(InstanceClient.format(0.1) == "0.10")
        #expect(InstanceClient.format(0.004) == "0.00")
        #expect(InstanceClient.format(0.996) == "1.00")
        #expect(InstanceClient.format(2) == "2.00")
        #expect(InstanceClient.format(30.051) == "30.05")
        #expect(InstanceClient.format(-1.5) == "-1.50")
    }
}
