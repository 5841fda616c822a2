"""Run reports: stats.json is written by the runner; report.html is built from it and the outputs."""
