#!/usr/bin/env python3
"""How often the fingerprint test calls an independent model a clone when independent models' rates differ from one
another: the binomial test (every trial independent at the chance rate) against the beta-binomial test with the
intra-class correlation implied by the null models' design effect (docs/fingerprints.md, Statistics).

Each round draws NULLS null models' rates from a population, their successes over TRIALS trials, and bounds the chance
rate as calibration does (Kish effective sample, one-sided 99.9 % Clopper-Pearson); each test then gives the successes
needed at each level, and the share of the population's independent models that reach it is computed exactly (not
sampled), so the rate at the level a verdict uses (1e-6 over five comparators: 2e-7; over six since
output-distance/tail: 1.7e-7) can be seen too. The result is
that share divided by the level: above 1, the test calls more independent models clones than its level promises.
Populations: rates spread continuously (Beta), and groups of models with one rate each, as architectures are.
Standard library only; seeded.
Usage: scripts/simulate-design-effect.py [ROUNDS] [NULLS] [TRIALS]   (defaults 300, 12, 75: the pooled label test)"""
import math, random, sys

CONFIDENCE = 0.999
LEVELS = (1e-2, 1e-3, 2e-7, 1e-6 / 6)
TESTS = ("binomial", "beta-binomial", "bounded correlation")


def upper_tail(n, k, p):
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_term = lambda x: math.lgamma(n + 1) - math.lgamma(x + 1) - math.lgamma(n - x + 1) + x * math.log(p) + (n - x) * math.log1p(-p)
    return sum(math.exp(log_term(x)) for x in range(k, n + 1))


def chi_square_lower_quantile(df, q):
    """The q quantile of a chi-square with df degrees of freedom (bisection on its regularized lower gamma series)."""
    def cdf(x):
        a, term, total = df / 2, 1.0, 0.0
        for i in range(1000):
            term = 1 / a if i == 0 else term * (x / 2) / (a + i)
            total += term
        return math.exp(a * math.log(x / 2) - x / 2 - math.lgamma(a)) * total
    low, high = 1e-9, df + 50 * math.sqrt(2 * df)
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < q else (low, mid)
    return low


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
    # The probabilities by the ratio of successive terms: lgamma differences of huge arguments lose all precision.
    log_p = sum(math.log((b + j) / (a + b + j)) for j in range(n))
    tail = 0.0
    for x in range(n + 1):
        if x >= k:
            tail += math.exp(log_p)
        if x < n:
            log_p += math.log((n - x) / (x + 1)) + math.log((x + a) / (n - x - 1 + b))
    return tail


def spread_ratio(counts, n):
    """The counts' variance over one binomial's, not floored (0 when the rate is 0 or 1)."""
    rate = sum(counts) / (len(counts) * n)
    binomial = rate * (1 - rate) / n
    observed = sum((c / n - rate) ** 2 for c in counts) / (len(counts) - 1)
    return observed / binomial if binomial > 0 else 0.0


def design_effect(counts, n):
    return max(1.0, spread_ratio(counts, n))


def needed(tail, n, level):
    """The fewest successes whose p-value is at most the level (n + 1 when none is); the tail falls as k grows."""
    low, high = 0, n + 1
    while low < high:
        mid = (low + high) // 2
        if tail(mid) <= level:
            high = mid
        else:
            low = mid + 1
    return low


def run(name, population, rounds, nulls, trials, rng):
    """population: (draw a rate, share of the population's models reaching k successes of n)."""
    draw, reach = population
    share = {(test, a): 0.0 for test in TESTS for a in LEVELS}
    need = dict.fromkeys(share, 0)
    chi_low = chi_square_lower_quantile(nulls - 1, 0.1)
    for _ in range(rounds):
        counts = [sum(rng.random() < rate for _ in range(trials)) for rate in (draw() for _ in range(nulls))]
        d = design_effect(counts, trials)
        eff_s = math.ceil(sum(counts) / d)
        eff_n = max(eff_s, max(1, math.floor(nulls * trials / d)))
        bound = clopper_pearson_upper(eff_s, eff_n, CONFIDENCE)
        correlation = min(0.999, (d - 1) / (trials - 1))
        # The design effect's own 90 % upper confidence bound (the counts' variance over a chi-square): what record's
        # tests use since 2026-12-06; "beta-binomial" is the estimate they used before.
        d_bound = max(1.0, spread_ratio(counts, trials) * (nulls - 1) / chi_low)
        bounded = min(0.999, max(0.0, (d_bound - 1) / (trials - 1)))
        tests = {"binomial": lambda k: upper_tail(trials, k, bound),
                 "beta-binomial": lambda k: beta_binomial_upper_tail(trials, k, bound, correlation),
                 "bounded correlation": lambda k: beta_binomial_upper_tail(trials, k, bound, bounded)}
        for (test, a) in share:
            k = needed(tests[test], trials, a)
            need[(test, a)] += k
            share[(test, a)] += reach(trials, k)
    cells = "; ".join(f"{test} at {a:g}: x{share[(test, a)] / rounds / a:.2f} (needs {need[(test, a)] / rounds:.1f})"
                      for test in TESTS for a in LEVELS)
    print(f"{name}: {cells}")
    sys.stdout.flush()


def beta_population(rng, a, b):
    mean, correlation = a / (a + b), 1 / (a + b + 1)
    return lambda: rng.betavariate(a, b), lambda n, k: beta_binomial_upper_tail(n, k, mean, correlation) if k <= n else 0.0


def group_population(rng, rates):
    return lambda: rng.choice(rates), lambda n, k: sum(upper_tail(n, k, r) for r in rates) / len(rates)


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    nulls = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    trials = int(sys.argv[3]) if len(sys.argv) > 3 else 75
    rng = random.Random(1)
    print(f"{nulls} null models, {trials} trials, {rounds} rounds; x: share of independent models called clones / level")
    for a, b in [(200, 400), (30, 60), (12, 36), (3, 9)]:
        run(f"rates ~ Beta({a}, {b}) (intra-class correlation {1 / (a + b + 1):.3f})", beta_population(rng, a, b), rounds, nulls, trials, rng)
    for rates in [(0.2, 0.3, 0.3, 0.35), (0.2, 0.2, 0.35), (0.1, 0.2, 0.4), (0.15, 0.45)]:
        run(f"rates one of {rates} (architecture-like groups)", group_population(rng, rates), rounds, nulls, trials, rng)
