//! Policy test cases written beside a campaign (`campaign test`).
