//! The canonical layout of campaign files (`campaign fmt`).
