//! Strings the passes together for one compilation. Placeholder.
