//! Messages about names and scopes: unknown names and fields, duplicates, per-record names used out of scope.
