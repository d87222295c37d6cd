"""What a person can ask kpibot, answered as plain values that every door renders alike."""
