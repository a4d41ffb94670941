//! Messages about units, currencies and types.
