//! The facts of the ownership pass (`ownership/mod.rs`): which
//! reservations and objects exist at a program point and in what state, which locals
//! may hold them, the calls deferred so far; how facts join where paths
//! meet, and what a condition teaches on each branch.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Expr, ExprKind, LocalId, MapId, Program, UnaryOp};
use crate::span::Span;

use crate::check::errors::Release;

/// A reservation, named by its `reserve()` call: `(file, start, end)`.
pub(super) type Site = (u32, u32, u32);

pub(super) fn site(span: Span) -> Site {
    (span.file.0, span.start, span.end)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    /// The function must still release it (it may be null until checked).
    Owned,
    Released(Release),
    /// Owned on some paths here, released (there) on others.
    Partial(Release),
}

/// What kind of owned resource a site makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Owner {
    /// A reservation of this ring buffer (`rb.reserve()`).
    Ring(MapId),
    /// An object from `new T()` or `m.take(k)`: deleted, or moved into a
    /// map of pointers.
    Object,
}

/// An owned resource: a ring-buffer reservation or an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Reservation {
    pub(super) status: Status,
    /// The local that received it.
    pub(super) name: String,
    pub(super) owner: Owner,
    pub(super) span: Span,
}

/// A call registered by `defer`; `certain` when every path here passed
/// the `defer`.
#[derive(Clone, Debug)]
pub(super) struct Deferred<'a> {
    pub(super) call: &'a Expr,
    pub(super) span: Span,
    pub(super) certain: bool,
}

impl PartialEq for Deferred<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.span == other.span && self.certain == other.certain
    }
}

/// What is known at a program point. A reservation missing from
/// `reservations` is not held on any path here (not made yet, or null).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Facts<'a> {
    pub(super) reservations: BTreeMap<Site, Reservation>,
    /// The reservations each local may hold.
    pub(super) holders: BTreeMap<LocalId, BTreeSet<Site>>,
    pub(super) deferred: Vec<Deferred<'a>>,
}

/// The facts at a point, or `None` where control cannot reach.
pub(super) type State<'a> = Option<Facts<'a>>;

fn merge_status(a: Status, b: Status) -> Status {
    match (a, b) {
        (Status::Partial(release), _) | (_, Status::Partial(release)) => Status::Partial(release),
        (Status::Owned, Status::Owned) => Status::Owned,
        (Status::Released(release), Status::Released(_)) => Status::Released(release),
        (Status::Owned, Status::Released(release)) | (Status::Released(release), Status::Owned) => {
            Status::Partial(release)
        }
    }
}

pub(super) fn merge<'a>(a: State<'a>, b: State<'a>) -> State<'a> {
    match (a, b) {
        (None, other) | (other, None) => other,
        (Some(mut a), Some(b)) => {
            for (site, reservation) in b.reservations {
                match a.reservations.get_mut(&site) {
                    Some(mine) => mine.status = merge_status(mine.status, reservation.status),
                    None => {
                        a.reservations.insert(site, reservation);
                    }
                }
            }
            for (local, sites) in b.holders {
                a.holders.entry(local).or_default().extend(sites);
            }
            for deferred in &mut a.deferred {
                deferred.certain &= b
                    .deferred
                    .iter()
                    .any(|other| other.span == deferred.span && other.certain);
            }
            for deferred in b.deferred {
                if !a.deferred.iter().any(|mine| mine.span == deferred.span) {
                    a.deferred.push(Deferred {
                        certain: false,
                        ..deferred
                    });
                }
            }
            Some(a)
        }
    }
}

/// `facts` where `local` is null.
pub(super) fn when_null<'a>(local: LocalId, facts: &Facts<'a>) -> Facts<'a> {
    let mut facts = facts.clone();
    if let Some(sites) = facts.holders.get(&local).cloned() {
        forget_null(&mut facts, &sites);
    }
    facts
}

/// `facts` on a path where a pointer that may be one of the reservations
/// `sites` is null: those still owned are owned by nobody (the kernel drops
/// the reference of a null reservation).
pub(super) fn forget_null(facts: &mut Facts<'_>, sites: &BTreeSet<Site>) {
    for site in sites {
        let owned = facts
            .reservations
            .get(site)
            .is_some_and(|reservation| reservation.status == Status::Owned);
        if owned {
            facts.reservations.remove(site);
        }
    }
}

/// Drops the released reservations among `sites` that no local holds any
/// more: nothing can reach them, so they cannot be misused, and a path
/// where one was released joins a path where it was never made as if it
/// never existed (a loop that hands a fresh reservation to the next
/// iteration).
pub(super) fn forget_unreachable(facts: &mut Facts<'_>, sites: BTreeSet<Site>) {
    for site in sites {
        let released = matches!(
            facts.reservations.get(&site).map(|r| r.status),
            Some(Status::Released(_))
        );
        if released && !facts.holders.values().any(|held| held.contains(&site)) {
            facts.reservations.remove(&site);
        }
    }
}

/// The value of a `throw` code, when constant (as the catch codes are).
pub(super) fn thrown_code(program: &Program, code: &Expr) -> Option<i128> {
    match &code.kind {
        ExprKind::Int(value, _) => Some(i128::from(*value as i64 as i32)),
        ExprKind::Const(id) => Some(program.const_def(*id).value),
        ExprKind::EnumVariant { enum_id, variant } => {
            Some(program.enum_def(*enum_id).value(*variant))
        }
        ExprKind::Cast(inner) => thrown_code(program, inner),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => thrown_code(program, operand).map(|value| -value),
        _ => None,
    }
}

/// The span of the last character of `span` (a block's closing brace).
pub(super) fn last_char(span: Span) -> Span {
    Span {
        file: span.file,
        start: span.end.saturating_sub(1).max(span.start),
        end: span.end,
    }
}
