#!/usr/bin/python3
"""Unit tests of scripts/peers_report/stats.py: the median's distribution-free 95%
interval from order statistics, against intervals worked out by hand (binomial tails of
n = 5..12) and the published table (n = 6: x(1)..x(6) 96.9%; n = 9: x(2)..x(8) 96.1%;
n = 10: x(2)..x(9) 97.9%; n = 12: x(3)..x(10) 96.1%).

    python3 -m unittest scripts/tests/stats_test.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from peers_report.stats import coverage, median_interval, rounds_for  # noqa: E402


class CoverageTest(unittest.TestCase):
    def test_binomial_tails(self):
        # 1 - 2 * sum_{i<k} C(n, i) / 2^n
        self.assertEqual(coverage(5, 1), 1 - 2 / 32)               # 0.9375
        self.assertEqual(coverage(6, 1), 1 - 2 / 64)               # 0.96875
        self.assertEqual(coverage(8, 2), 1 - 2 * (1 + 8) / 256)    # 0.9296875
        self.assertEqual(coverage(9, 2), 1 - 2 * (1 + 9) / 512)    # 0.9609375
        self.assertEqual(coverage(12, 3), 1 - 2 * (1 + 12 + 66) / 4096)
        self.assertEqual(coverage(3, 2), 0.0)  # the sample median alone
        with self.assertRaises(ValueError):
            coverage(4, 3)
        with self.assertRaises(ValueError):
            coverage(4, 0)

    def test_rounds_for_95_percent(self):
        self.assertEqual(rounds_for(0.95), 6)
        self.assertEqual(rounds_for(0.99), 8)  # 1 - 2/128 = 0.984 < 0.99 <= 1 - 2/256


class MedianIntervalTest(unittest.TestCase):
    def test_nine_rounds_drop_one_value_each_side(self):
        iv = median_interval([5, 1, 9, 3, 7, 2, 8, 4, 6])  # unsorted on purpose
        self.assertEqual((iv.median, iv.lo, iv.hi, iv.k, iv.n), (5, 2, 8, 2, 9))
        self.assertAlmostEqual(iv.coverage, 0.9609375)
        self.assertTrue(iv.ok)

    def test_ten_rounds(self):
        iv = median_interval([10.0, 20, 30, 40, 50, 60, 70, 80, 90, 1000])
        self.assertEqual((iv.median, iv.lo, iv.hi, iv.k), (55.0, 20, 90, 2))
        self.assertAlmostEqual(iv.coverage, 1 - 2 * 11 / 1024)
        self.assertTrue(iv.ok)

    def test_six_to_eight_rounds_are_min_max(self):
        for n in (6, 7, 8):
            iv = median_interval(range(100, 100 + n))
            self.assertEqual((iv.lo, iv.hi, iv.k), (100, 99 + n, 1), n)
            self.assertTrue(iv.ok, n)

    def test_twelve_rounds(self):
        iv = median_interval([float(x) for x in range(1, 13)])
        self.assertEqual((iv.median, iv.lo, iv.hi, iv.k), (6.5, 3.0, 10.0, 3))
        self.assertAlmostEqual(iv.coverage, 0.96142578125)

    def test_fewer_than_six_rounds_fall_short(self):
        iv = median_interval([3, 1, 2, 5, 4])
        self.assertEqual((iv.median, iv.lo, iv.hi, iv.k), (3, 1, 5, 1))
        self.assertAlmostEqual(iv.coverage, 0.9375)
        self.assertFalse(iv.ok)
        iv = median_interval([7.0, 9.0])
        self.assertEqual((iv.median, iv.lo, iv.hi, iv.coverage, iv.ok), (8.0, 7.0, 9.0, 0.5, False))
        iv = median_interval([4.0])
        self.assertEqual((iv.median, iv.lo, iv.hi, iv.coverage, iv.ok), (4.0, 4.0, 4.0, 0.0, False))
        self.assertIsNone(median_interval([]))

    def test_another_level(self):
        # n = 9 at 80%: k = 3 covers 1 - 2*(1+9+36)/512 = 0.8203, k = 4 only 0.4922.
        iv = median_interval(range(1, 10), level=0.80)
        self.assertEqual((iv.lo, iv.hi, iv.k), (3, 7, 3))
        self.assertAlmostEqual(iv.coverage, 0.8203125)
        self.assertTrue(iv.ok)


if __name__ == "__main__":
    unittest.main()
