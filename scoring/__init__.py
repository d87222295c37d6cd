"""Pure rules of kpibot: plain values in, plain values out; no I/O, no clock."""
