"""The tests' oracle for the ER renderers: read rendered diagrams and schemas back by each
format's own syntax rules, then compare what they say with the model. It lives with the tests, not
in the wheel, because nothing but the tests uses it; DBML is read by pydbml, a test dependency."""
