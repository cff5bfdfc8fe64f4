"""Descriptive statistics over plain lists of numbers."""


def mean(values):
    """Arithmetic mean. Raises ValueError on an empty list."""
    if not values:
        raise ValueError("mean() of an empty list")
    return sum(values) / len(values)


def median(values):
    """Middle value of the data; the mean of the two middle values for even lengths."""
    if not values:
        raise ValueError("median() of an empty list")
    ordered = list(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def spread(values):
    """Difference between the largest and the smallest value."""
    if not values:
        raise ValueError("spread() of an empty list")
    return max(values) - min(values)
