"""DDD modelling help: building blocks, aggregates, contexts and rules read from the code."""
