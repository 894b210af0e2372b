"""ADBench / GradBench objectives ported to plain NumPy (see cases.py)."""
