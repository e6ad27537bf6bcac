"""Pricing rules for a small shop (a sample module for gen-tests)."""

from __future__ import annotations


def discount_rate(points: int) -> float:
    """Loyalty discount: 5% from 100 points, 10% from 500, 15% from 1000."""
    if points < 0:
        raise ValueError("points cannot be negative")
    if points >= 1000:
        return 0.15
    if points >= 500:
        return 0.10
    if points >= 100:
        return 0.05
    return 0.0


def total_price(prices: list[float], points: int = 0) -> float:
    """Sum of the prices minus the loyalty discount, rounded to cents."""
    subtotal = sum(prices)
    return round(subtotal * (1 - discount_rate(points)), 2)


def slugify(title: str) -> str:
    """Lower-case words joined by dashes: 'Hello, World!' -> 'hello-world'."""
    words = "".join(ch if ch.isalnum() else " " for ch in title.lower()).split()
    return "-".join(words)


class Cart:
    """A shopping cart of (name, price) items."""

    def __init__(self) -> None:
        self.items: list[tuple[str, float]] = []

    def add(self, name: str, price: float) -> None:
        if price < 0:
            raise ValueError("price cannot be negative")
        self.items.append((name, price))

    def count(self) -> int:
        return len(self.items)

    def total(self, points: int = 0) -> float:
        return total_price([price for _, price in self.items], points)
