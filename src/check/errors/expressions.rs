//! Messages about expressions: literals, dates and times, operators, calls, membership.
