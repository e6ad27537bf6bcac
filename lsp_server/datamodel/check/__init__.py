"""Read rendered diagrams and schemas back, by each format's own syntax rules, so that every
renderer's output can be checked: parse it, then compare what it says with the model."""
