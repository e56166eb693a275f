#!/usr/bin/env python3
"""How often the fingerprint test calls a fresh independent model a clone when independent models' rates differ from
one another: the binomial test (every trial independent at the chance rate) against the beta-binomial test with the
intra-class correlation implied by the null models' design effect (docs/fingerprints.md, Statistics).

Each round draws six null models' rates from a population, their successes over TRIALS trials, and bounds the chance
rate as calibration does (Kish effective sample, one-sided 99.9 % Clopper-Pearson); then draws fresh independent
models from the same population and tests them at each level with both tests. Standard library only; seeded.
Usage: scripts/simulate-design-effect.py [ROUNDS]"""
import math, random, sys

TRIALS, NULLS, CONFIDENCE, FRESH = 30, 6, 0.999, 20
LEVELS = (1e-2, 1e-3)


def upper_tail(n, k, p):
    if k <= 0:
        return 1.0
    return sum(math.comb(n, x) * p ** x * (1 - p) ** (n - x) for x in range(k, n + 1)) if k <= n else 0.0


def clopper_pearson_upper(successes, trials, confidence):
    if successes >= trials:
        return 1.0
    low, high = successes / trials, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if 1 - upper_tail(trials, successes + 1, mid) >= 1 - confidence:
            low = mid
        else:
            high = mid
    return low


def beta_binomial_upper_tail(n, k, mean, correlation):
    if correlation == 0 or k <= 0 or k > n or mean in (0, 1):
        return upper_tail(n, k, mean)
    size = 1 / correlation - 1
    a, b = mean * size, (1 - mean) * size
    log_beta = lambda x, y: math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)
    return sum(math.exp(math.log(math.comb(n, x)) + log_beta(x + a, n - x + b) - log_beta(a, b)) for x in range(k, n + 1))


def design_effect(counts, n):
    rate = sum(counts) / (len(counts) * n)
    binomial = rate * (1 - rate) / n
    observed = sum((c / n - rate) ** 2 for c in counts) / (len(counts) - 1)
    return max(1.0, observed / binomial) if binomial > 0 else 1.0


def run(name, draw_rate, rounds, rng):
    rejected = {("binomial", a): 0 for a in LEVELS} | {("beta-binomial", a): 0 for a in LEVELS}
    tested = 0
    for _ in range(rounds):
        counts = [sum(rng.random() < r for _ in range(TRIALS)) for r in (draw_rate() for _ in range(NULLS))]
        d = design_effect(counts, TRIALS)
        eff_s = math.ceil(sum(counts) / d)
        eff_n = max(eff_s, max(1, math.floor(NULLS * TRIALS / d)))
        bound = clopper_pearson_upper(eff_s, eff_n, CONFIDENCE)
        correlation = min(0.999, (d - 1) / (TRIALS - 1))
        for _ in range(FRESH):
            rate = draw_rate()
            k = sum(rng.random() < rate for _ in range(TRIALS))
            plain = upper_tail(TRIALS, k, bound)
            spread = beta_binomial_upper_tail(TRIALS, k, bound, correlation)
            for a in LEVELS:
                rejected[("binomial", a)] += plain <= a
                rejected[("beta-binomial", a)] += spread <= a
            tested += 1
    cells = ", ".join(f"{test} at {a:g}: {100 * rejected[(test, a)] / tested:.2f} %" for test in ("binomial", "beta-binomial") for a in LEVELS)
    print(f"{name}: {tested} fresh independent models; called clones: {cells}")


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    rng = random.Random(1)
    for a, b in [(12, 36), (3, 9), (1.5, 4.5)]:
        run(f"rates ~ Beta({a}, {b}) (intra-class correlation {1 / (a + b + 1):.3f})", lambda a=a, b=b: rng.betavariate(a, b), rounds, rng)
    for rates in [(0.1, 0.2, 0.4), (0.15, 0.45)]:
        run(f"rates drawn from {rates} (architecture-like groups)", lambda rates=rates: rng.choice(rates), rounds, rng)
