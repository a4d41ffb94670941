//! Messages about conditions, rewards, budgets and modifiers (rounding, caps, payments, expiry).
