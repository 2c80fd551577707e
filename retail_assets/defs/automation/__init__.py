"""What runs the pipeline without anyone watching: the landing sensor, the 08:00 schedule, failure alerts."""
