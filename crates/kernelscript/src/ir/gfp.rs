//! The kernel's allocation flags (`GFP_*`) that `new T(FLAGS)` takes in
//! kernel module code (`@kfunc`/`@private`; docs §4.8): the one table of
//! their names, which of them may sleep, and which are modifiers added to
//! one base flag. The generated C names the kernel's macros, so their
//! values are whatever the module's kernel headers define. Data only.

/// One flag the language knows.
struct Flag {
    name: &'static str,
    /// The allocation may sleep (it may reclaim memory directly): wrong
    /// in atomic context (XDP, TC, tracing programs, locks held).
    sleeps: bool,
    /// A `__GFP_*` modifier, added to a base flag with `|`.
    modifier: bool,
}

const FLAGS: &[Flag] = &[
    Flag {
        name: "GFP_ATOMIC",
        sleeps: false,
        modifier: false,
    },
    Flag {
        name: "GFP_NOWAIT",
        sleeps: false,
        modifier: false,
    },
    Flag {
        name: "GFP_KERNEL",
        sleeps: true,
        modifier: false,
    },
    Flag {
        name: "GFP_KERNEL_ACCOUNT",
        sleeps: true,
        modifier: false,
    },
    Flag {
        name: "GFP_NOIO",
        sleeps: true,
        modifier: false,
    },
    Flag {
        name: "GFP_NOFS",
        sleeps: true,
        modifier: false,
    },
    Flag {
        name: "__GFP_NOWARN",
        sleeps: false,
        modifier: true,
    },
    Flag {
        name: "__GFP_ZERO",
        sleeps: false,
        modifier: true,
    },
];

/// A set of allocation flags: one base flag and any modifiers once
/// checked (the empty set is `new` outside kernel module code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gfp(u16);

impl Gfp {
    /// No flags: `new` in eBPF (`bpf_obj_new`) and userspace (`calloc`).
    pub const NONE: Gfp = Gfp(0);
    /// The default of `new T()` in module code: a kfunc may run in
    /// softirq context (XDP, TC) or with locks held, where only an atomic
    /// allocation is allowed.
    pub const ATOMIC: Gfp = Gfp(1);

    /// The flag named `name`, if the language knows it.
    pub fn named(name: &str) -> Option<Gfp> {
        FLAGS
            .iter()
            .position(|flag| flag.name == name)
            .map(|index| Gfp(1 << index))
    }

    /// Every flag name the language knows, base flags first.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        FLAGS.iter().map(|flag| flag.name)
    }

    pub fn union(self, other: Gfp) -> Gfp {
        Gfp(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn flags(self) -> impl Iterator<Item = &'static Flag> {
        FLAGS
            .iter()
            .enumerate()
            .filter(move |(index, _)| self.0 & (1 << index) != 0)
            .map(|(_, flag)| flag)
    }

    /// The names in the set, in table order (base flags first).
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        self.flags().map(|flag| flag.name)
    }

    /// How many base (non-modifier) flags the set holds: a checked set
    /// holds exactly one.
    pub fn base_count(self) -> usize {
        self.flags().filter(|flag| !flag.modifier).count()
    }

    /// The flag of the set that lets the allocation sleep, if any.
    pub fn sleeping_flag(self) -> Option<&'static str> {
        self.flags().find(|flag| flag.sleeps).map(|flag| flag.name)
    }

    /// The C expression: the kernel's macro names joined with `|`.
    pub fn c_expression(self) -> String {
        self.names().collect::<Vec<_>>().join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_spell_the_kernel_macros_base_first() {
        let set = Gfp::named("__GFP_NOWARN")
            .unwrap()
            .union(Gfp::named("GFP_KERNEL").unwrap());
        assert_eq!(set.c_expression(), "GFP_KERNEL | __GFP_NOWARN");
        assert_eq!(set.base_count(), 1);
        assert_eq!(set.sleeping_flag(), Some("GFP_KERNEL"));
        assert_eq!(Gfp::ATOMIC.c_expression(), "GFP_ATOMIC");
        assert_eq!(Gfp::ATOMIC.sleeping_flag(), None);
        assert_eq!(Gfp::named("GFP_DMA"), None);
    }
}
