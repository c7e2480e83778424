"""SOP 2-64 rules for CN cases, by step: personnel (2-64-6), preparation, delivery."""
