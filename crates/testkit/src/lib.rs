//! Test support for the end-to-end tier. Placeholder until the harness lands.
