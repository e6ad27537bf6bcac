"""Geometry helpers used by the examples in the README."""

import math
from dataclasses import dataclass


@dataclass
class Circle:
    radius: float

    def area(self) -> float:
        return math.pi * self.radius**2


@dataclass
class Rectangle:
    width: float
    height: float

    def area(self) -> float:
        return self.width * self.height

    def perimeter(self) -> float:
        


def total_area(shapes: list) -> float:
    """Sum of the areas of all shapes."""
    return sum(shape.area() for shape in shapes)
