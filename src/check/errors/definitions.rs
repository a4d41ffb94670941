//! Messages about definitions, their order and cycles, and unused ones.
