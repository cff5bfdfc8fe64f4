"""Formats a one-line summary of a data set."""

from calc.stats import mean, median, spread


def summary(values):
    return "n={} mean={:.2f} median={:.2f} spread={:.2f}".format(
        len(values), mean(values), median(values), spread(values)
    )
