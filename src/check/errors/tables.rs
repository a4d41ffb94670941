//! Messages about tier tables, lookups and rankings.
