"""`ubiq eval`: which model and quantization is good enough on the team's own code, at what speed."""
