/// Exponential backoff with full jitter: before the n-th retry (n from 1) wait a uniformly
/// random time in `0 ... min(cap, base · 2^(n-1))`. Full jitter spreads out clients that
/// failed together (AWS Architecture Blog, "Exponential Backoff And Jitter").
public enum Backoff {
    public static func ceiling(retry: Int, base: Double, cap: Double) -> Double {
        let exponent = Double(max(0, min(retry - 1, 60)))
        return min(cap, base * (exponent == 0 ? 1 : pow2(exponent)))
    }

    public static func delay<G: RandomNumberGenerator>(retry: Int, base: Double, cap: Double, using generator: inout G) -> Double {
        let ceiling = ceiling(retry: retry, base: base, cap: cap)
        guard ceiling > 0 else { return 0 }
        return Double.random(in: 0...ceiling, using: &generator)
    }

    public static func delay(retry: Int, base: Double, cap: Double) -> Double {
        var generator = SystemRandomNumberGenerator()
        return delay(retry: retry, base: base, cap: cap, using: &generator)
    }

    private static func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
