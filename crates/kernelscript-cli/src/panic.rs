//! Turns a compiler panic into an "internal compiler error" report.
//!
//! A panic is always a bug in KernelScript, never the user's fault: say so,
//! show where, and ask for a report instead of printing a bare backtrace.

pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()))
            .unwrap_or_else(|| "unknown location".to_string());
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string());
        eprintln!("error: internal compiler error: {message}");
        eprintln!("  --> {location}");
        eprintln!(
            "note: this is a bug in kernelscript {}, not in your program",
            env!("CARGO_PKG_VERSION")
        );
        eprintln!("note: please report it with the .ks file that triggered it");
    }));
}
