//! The uses in expressions (`ownership/mod.rs`): releases, uses after a
//! release, `reserve()` calls not stored in a local, and the reports at
//! exits (after the deferred calls).

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::ir::{Builtin, Callee, Expr, LocalId, MapId, Method};
use crate::span::Span;

use super::facts::{last_char, merge, site, Facts, Owner, Reservation, Site, State, Status};
use super::Ownership;
use crate::check::errors::{self, NullableUse, Release, ReleaseKind, ReservationExit, Reserved};
use crate::check::flow::{local_of, Flow};

impl<'a> Ownership<'a> {
    pub(super) fn name(&self, local: LocalId) -> &'a str {
        &self.locals[local.index()].name
    }

    /// The diagnostic for `reservation` still owned at `at` (`exit`).
    fn leaked(
        &self,
        reservation: &Reservation,
        at: Span,
        exit: ReservationExit,
        partial: Option<Release>,
    ) -> Diagnostic {
        match reservation.owner {
            Owner::Ring(map) => {
                let reserved = Reserved {
                    name: &reservation.name,
                    map: &self.program.map(map).name,
                    at: reservation.span,
                };
                errors::reservation_leaked(at, exit, &reserved, partial)
            }
            Owner::Object => {
                errors::object_leaked(at, exit, &reservation.name, reservation.span, partial)
            }
        }
    }

    /// Reports every reservation in `facts` still owned (on some path) at
    /// `exit` (`at`), after the deferred calls ran.
    pub(super) fn leave(&mut self, facts: Facts<'a>, at: Span, exit: ReservationExit) {
        let facts = self.run_deferred(facts, at);
        self.report_owned(&facts, at, |_| exit);
    }

    /// Reports the reservations owned (on some path) in `facts` at `at`,
    /// which is an exit of kind `exit_of(reservation)`.
    pub(super) fn report_owned(
        &mut self,
        facts: &Facts<'a>,
        at: Span,
        exit_of: impl Fn(Site) -> ReservationExit,
    ) {
        if self.quiet {
            return;
        }
        for (site, reservation) in &facts.reservations {
            let partial = match reservation.status {
                Status::Owned => None,
                Status::Partial(release) => Some(release),
                Status::Released(_) => continue,
            };
            if !self.leaked.insert(*site) {
                continue;
            }
            let diagnostic = self.leaked(reservation, at, exit_of(*site), partial);
            self.diagnostics.push(diagnostic);
        }
    }

    /// Runs the deferred calls registered in `facts` (newest first) at the
    /// exit `at`; the facts after them.
    pub(super) fn run_deferred(&mut self, mut facts: Facts<'a>, at: Span) -> Facts<'a> {
        let deferred = std::mem::take(&mut facts.deferred);
        self.exit = Some(at);
        for entry in deferred.iter().rev() {
            let ran = self.expr(entry.call, facts.clone());
            facts = match entry.certain {
                true => ran.unwrap_or(facts),
                false => merge(ran, Some(facts)).unwrap_or_default(),
            };
        }
        self.exit = None;
        facts
    }

    /// Reports `expr` used as `used` if it is a local holding a released
    /// reservation.
    pub(super) fn require(&mut self, expr: &Expr, used: NullableUse, facts: &Facts<'a>) {
        let Some(local) = local_of(expr) else {
            return;
        };
        let Some(sites) = facts.holders.get(&local) else {
            return;
        };
        let released =
            sites.iter().find_map(
                |site| match facts.reservations.get(site).map(|r| r.status) {
                    Some(Status::Released(release)) => Some((release, false)),
                    Some(Status::Partial(release)) => Some((release, true)),
                    _ => None,
                },
            );
        let Some((release, on_some_paths)) = released else {
            return;
        };
        if self.quiet || self.reported.contains(&expr.span) {
            return;
        }
        self.reported.push(expr.span);
        let name = self.name(local);
        let into = release.into.map(|map| self.program.map(map).name.as_str());
        let diagnostic = match self.exit {
            Some(exit) => errors::used_after_release_when_deferred(
                expr.span,
                name,
                &used,
                release,
                on_some_paths,
                exit,
                into,
            ),
            None => {
                errors::used_after_release(expr.span, name, &used, release, on_some_paths, into)
            }
        };
        self.diagnostics.push(diagnostic);
    }

    /// `map.submit(arg)` / `map.discard(arg)` at `span`.
    fn release_reservation(
        &mut self,
        map: MapId,
        arg: &Expr,
        kind: ReleaseKind,
        span: Span,
        facts: &mut Facts<'a>,
    ) {
        let callee = format!("{}.{}", self.program.map(map).name, kind.method());
        let local = local_of(arg);
        let held = self.held(local, facts, |owner| matches!(owner, Owner::Ring(_)));
        if held.is_none() && !self.quiet && !self.reported.contains(&arg.span) {
            self.reported.push(arg.span);
            let name = local.map(|local| self.name(local));
            let map_name = &self.program.map(map).name;
            let diagnostic = errors::release_needs_reservation(arg.span, map_name, kind, name);
            self.diagnostics.push(diagnostic);
        }
        if let Some(sites) = held {
            self.require(arg, NullableUse::Argument(callee), facts);
            let release = Release {
                span,
                kind,
                into: None,
            };
            Self::mark_released(sites, release, facts);
        }
    }

    /// `delete arg` or `m[k] = arg` (`kind`; `callee` names it in
    /// diagnostics) at `span`: gives up the object `arg` holds.
    pub(super) fn release(
        &mut self,
        arg: &Expr,
        (kind, into): (ReleaseKind, Option<MapId>),
        callee: String,
        span: Span,
        facts: &mut Facts<'a>,
    ) {
        let local = local_of(arg);
        let held = self.held(local, facts, |owner| owner == Owner::Object);
        if held.is_none() && !self.quiet && !self.reported.contains(&arg.span) {
            self.reported.push(arg.span);
            let name = local.map(|local| self.name(local));
            let what = match kind {
                ReleaseKind::Delete => "`delete`".to_string(),
                _ => format!("`{callee}`"),
            };
            let diagnostic = errors::release_needs_object(arg.span, &what, name);
            self.diagnostics.push(diagnostic);
        }
        if let Some(sites) = held {
            self.require(arg, NullableUse::Argument(callee), facts);
            Self::mark_released(sites, Release { span, kind, into }, facts);
        }
    }

    /// The sites `local` may hold, when it holds some and all are of an
    /// owner `accepted` takes.
    fn held(
        &self,
        local: Option<LocalId>,
        facts: &Facts<'a>,
        accepted: impl Fn(Owner) -> bool,
    ) -> Option<BTreeSet<Site>> {
        let sites = local.and_then(|local| facts.holders.get(&local))?;
        let fits = !sites.is_empty()
            && sites.iter().all(|site| {
                facts
                    .reservations
                    .get(site)
                    .is_none_or(|reservation| accepted(reservation.owner))
            });
        fits.then(|| sites.clone())
    }

    fn mark_released(sites: BTreeSet<Site>, release: Release, facts: &mut Facts<'a>) {
        for site in sites {
            if let Some(reservation) = facts.reservations.get_mut(&site) {
                reservation.status = Status::Released(release);
            }
        }
    }

    /// The `reserve()` of `earlier` runs again (in a later iteration of a
    /// loop) while `earlier` may still be owned: the new reservation takes
    /// its place, so `earlier` can never be released.
    pub(super) fn reserved_again(&mut self, earlier: Reservation) {
        let partial = match earlier.status {
            Status::Owned => None,
            Status::Partial(release) => Some(release),
            Status::Released(_) => return,
        };
        if self.quiet || !self.leaked.insert(site(earlier.span)) {
            return;
        }
        let at = match self.loops.last() {
            Some(exits) => last_char(exits.span),
            None => earlier.span,
        };
        let diagnostic = self.leaked(&earlier, at, ReservationExit::LoopRepeats, partial);
        self.diagnostics.push(diagnostic);
    }

    /// A call `expr` (not in a position that stores its result).
    pub(super) fn call(
        &mut self,
        expr: &'a Expr,
        callee: &'a Callee,
        args: &'a [Expr],
        facts: Facts<'a>,
    ) -> State<'a> {
        let mut facts = facts;
        if let Callee::Indirect(target) = callee {
            facts = self.expr(target, facts)?;
        }
        for arg in args {
            facts = self.expr(arg, facts)?;
        }
        let (receiver, method) = match (callee, args) {
            (Callee::Method { receiver, method }, _) => (*receiver, *method),
            (Callee::Builtin(Builtin::Delete), [object]) => {
                self.release(
                    object,
                    (ReleaseKind::Delete, None),
                    "delete".to_string(),
                    expr.span,
                    &mut facts,
                );
                return Some(facts);
            }
            (Callee::Builtin(Builtin::New(_)), _) => {
                self.not_kept(expr, "new");
                return Some(facts);
            }
            // `print` and the lifecycle builtins take no pointers to data.
            (Callee::Builtin(_), _) => return Some(facts),
            _ => {
                let name = self.callee_name(callee);
                for arg in args.iter().filter(|arg| arg.ty.is_pointer()) {
                    self.require(arg, NullableUse::Argument(name.clone()), &facts);
                }
                return Some(facts);
            }
        };
        match (method, args) {
            (Method::Reserve, _) if !self.quiet && !self.reported.contains(&expr.span) => {
                self.reported.push(expr.span);
                let map = &self.program.map(receiver).name;
                self.diagnostics
                    .push(errors::reservation_not_kept(expr.span, map));
            }
            (Method::Take, _) => self.not_kept(expr, "take"),
            (Method::Submit, [arg]) => {
                self.release_reservation(receiver, arg, ReleaseKind::Submit, expr.span, &mut facts)
            }
            (Method::Discard, [arg]) => {
                self.release_reservation(receiver, arg, ReleaseKind::Discard, expr.span, &mut facts)
            }
            _ => {}
        }
        Some(facts)
    }

    /// `new T()` or `m.take(k)` (`what`) whose object is not kept.
    fn not_kept(&mut self, expr: &Expr, what: &str) {
        if self.quiet || self.reported.contains(&expr.span) {
            return;
        }
        self.reported.push(expr.span);
        self.diagnostics
            .push(errors::object_not_kept(expr.span, what));
    }

    /// The name of a callee that is not a ring-buffer method or a builtin,
    /// for "passed to `...`".
    fn callee_name(&self, callee: &Callee) -> String {
        match callee {
            Callee::Function(id) | Callee::TailCall(id) => self.program.function(*id).name.clone(),
            Callee::Extern(id) => self.program.extern_def(*id).name.clone(),
            Callee::BpfHelper(name) => name.clone(),
            Callee::Python { function, .. } => function.clone(),
            Callee::Indirect(_) | Callee::Builtin(_) | Callee::Method { .. } => {
                "a function pointer".to_string()
            }
        }
    }
}
