"""The median over a few rounds with a distribution-free interval: the order statistics
x(k) and x(n+1-k) of the n sorted values hold the population median with probability
1 - 2 P(B <= k-1), B ~ Binomial(n, 1/2), whatever the distribution (continuous). For a
95% interval the largest k whose coverage is at least 0.95 is taken; below 6 values no k
reaches 95% (5 values: min-max covers 93.75%), so min-max is given with the coverage it
has, and `ok` says so. Python stdlib only.
"""

from collections import namedtuple
from math import comb
import statistics

# median; lo, hi: the interval's ends; coverage: its exact coverage (0 for one value);
# k: lo is the k-th smallest value, hi the k-th largest; n: the values; ok: coverage >=
# the level asked (else lo-hi is min-max, the widest there is, and falls short of it).
Interval = namedtuple("Interval", "median lo hi coverage k n ok")


def coverage(n, k):
    """P(x(k) <= median <= x(n+1-k)) for n values of a continuous distribution, 1 <= k <=
    n/2 (k == (n+1)/2 for odd n is the sample median alone: coverage 0)."""
    if not 1 <= k <= (n + 1) // 2:
        raise ValueError(f"k = {k} is not an order statistic's rank for a median interval of {n}")
    if 2 * k > n:
        return 0.0
    tail = sum(comb(n, i) for i in range(k)) / 2 ** n
    return 1 - 2 * tail


def median_interval(values, level=0.95):
    """The median of `values` and its distribution-free interval at `level` (an Interval),
    or None for no values."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        return None
    best = 1
    for k in range(1, n // 2 + 1):
        if coverage(n, k) >= level:
            best = k
        else:
            break
    cov = coverage(n, best)
    return Interval(statistics.median(xs), xs[best - 1], xs[n - best], cov, best, n,
                    cov >= level)


def rounds_for(level=0.95):
    """The fewest values for which an interval reaches `level` (6 at 95%)."""
    if not 0 < level < 1:
        raise ValueError(f"level {level}: want 0 < level < 1")
    n = 2
    while coverage(n, 1) < level:
        n += 1
    return n
