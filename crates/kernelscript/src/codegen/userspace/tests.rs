//! Unit tests on hand-built IR (the parser and checker are tested
//! elsewhere; the golden tests under `tests/data/userspace` go through
//! them).
