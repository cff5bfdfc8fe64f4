import unittest

from calc.stats import mean, median, spread
from calc.report import summary


class StatsTest(unittest.TestCase):
    def test_mean(self):
        self.assertEqual(mean([1, 2, 3, 4]), 2.5)

    def test_median_sorted(self):
        self.assertEqual(median([1, 2, 3]), 2)

    def test_median_unsorted(self):
        self.assertEqual(median([3, 1, 2]), 2)

    def test_median_even_unsorted(self):
        self.assertEqual(median([4, 1, 3, 2]), 2.5)

    def test_spread(self):
        self.assertEqual(spread([5, 1, 9]), 8)

    def test_summary(self):
        self.assertEqual(summary([3, 1, 2]), "n=3 mean=2.00 median=2.00 spread=2.00")


if __name__ == "__main__":
    unittest.main()
