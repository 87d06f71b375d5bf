//! Reads BTF (BPF Type Format) type information. Placeholder until the BTF reader lands.
