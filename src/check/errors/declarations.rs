//! Messages about the header and declarations: time zone, facts, parameters, period ranges.
