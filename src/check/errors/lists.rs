//! Messages about lists, filters and aggregates.
