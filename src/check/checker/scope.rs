//! Names and their scopes: top-level names, facts and computed fields of the records in scope.

use crate::program::schema::FactType;
use crate::program::types::{Dim, Ty, currency, duration_unit};
use crate::program::{Adjust, Definition, Ir, ListExpr, ListLevel};
use crate::syntax::ast::{self, Expr};

use super::super::errors::names;
use super::units::ty_of_fact;
use super::{Checker, State, T, TopName};

impl<'a> Checker<'a> {
    pub(super) fn duplicate(&mut self, name: &ast::Ident) {
        let first = self.top.get(&name.name).map(|(_, s)| *s);
        self.error(names::defined_more_than_once(name.span, &name.name, first));
    }

    pub(super) fn declare_top(&mut self, name: &ast::Ident, what: TopName<'a>) -> bool {
        let clashes_fact = self.levels.first().and_then(|l| l.index_of(&name.name)).is_some();
        if self.top.contains_key(&name.name) || clashes_fact {
            if clashes_fact && !self.top.contains_key(&name.name) {
                self.error(names::already_a_fact(name.span, &name.name));
            } else {
                self.duplicate(name);
            }
            return false;
        }
        self.top.insert(name.name.clone(), (what, name.span));
        self.def_state.insert(name.name.clone(), State::Unchecked);
        true
    }

    pub(super) fn name(&mut self, id: &ast::Ident) -> Option<T> {
        // The period variable of a per-period definition.
        if let Some((var, _)) = &self.ctx.period_var
            && *var == id.name
        {
            return Some(T::new(Ir::PeriodWindow, Ty::Window));
        }
        // Facts and computed fields, innermost record first.
        let frames = self.ctx.frames.clone();
        for (frame, level) in frames.iter().enumerate().rev() {
            if self.is_hidden(frame) {
                continue;
            }
            if let Some(t) = self.field_of_frame(frame, *level, id) {
                if let Some(other) = self.unrelated_frame_with(frame, &id.name) {
                    let (inner, outer) = (self.level_path(*level), self.level_path(other));
                    self.error(names::ambiguous_item_name(id.span, &id.name, &inner, &outer));
                    return None;
                }
                return t;
            }
        }
        let top = self.top.get(&id.name).copied();
        if top.is_some() {
            let symbol = self.symbols.top.get(&id.name).copied();
            self.refer(symbol, id.span);
        }
        match top {
            Some((TopName::Param(i), _)) => {
                self.used.insert(id.name.clone());
                let ty = self.params.get(i)?.ty.clone();
                Some(T::new(Ir::Param(i), ty).bare(self.param_bare.get(&i).copied()))
            }
            Some((TopName::Periods(i), _)) => {
                self.used.insert(id.name.clone());
                Some(T::new(Ir::PeriodsWindow(i), Ty::Periods(i)))
            }
            Some((TopName::Value(decl), _)) => self.value_ref(id, decl),
            Some((TopName::Window(_), _)) => {
                self.used.insert(id.name.clone());
                let idx = self.ensure_def(&id.name)?;
                let def = self.definitions.get(idx)?;
                let ir = match &def.expr {
                    c @ Ir::Const(_) => c.clone(),
                    _ => Ir::Def(idx),
                };
                let maybe = def.maybe;
                Some(T::new(ir, Ty::Window).maybe(maybe))
            }
            None if id.name == "as_of" => {
                // The reference time of the evaluation, given on the command line: never the clock.
                self.uses_as_of = true;
                Some(T::new(Ir::AsOf, Ty::Time))
            }
            None => {
                self.unknown_name(id, &frames);
                None
            }
        }
    }

    /// A top-level value by name: its definition, or (for a list) its expression checked here.
    fn value_ref(&mut self, id: &ast::Ident, decl: &ast::ValueDecl) -> Option<T> {
        self.used.insert(id.name.clone());
        let idx = self.ensure_def(&id.name)?;
        let def = self.definitions.get(idx)?.clone();
        if matches!(def.ty, Ty::Records(_) | Ty::Items(_)) {
            // Lists are not computed once: re-check the definition where it is used,
            // so that its records line up with the frames in scope here.
            let saved_var = self.ctx.period_var.clone();
            let saved_hidden = std::mem::replace(&mut self.ctx.hidden_below, self.ctx.frames.len());
            let t = self.expr(&decl.expr);
            self.ctx.hidden_below = saved_hidden;
            self.ctx.period_var = saved_var;
            return t;
        }
        // A definition that is a constant (a set, a rate) is used as that constant, so
        // that it works wherever a literal does (`category in trade_categories`).
        let ir = match (&def.expr, def.per, &def.adjust) {
            (
                Ir::Const(c),
                None,
                Adjust {
                    rounding: None,
                    at_most: None,
                    at_least: None,
                    ..
                },
            ) => Ir::Const(c.clone()),
            _ => Ir::Def(idx),
        };
        let base = T {
            after_budget: def.after_budget,
            ..T::new(ir, def.ty.clone())
        }
        .maybe(def.maybe && !self.ctx.known.contains(&Ir::Def(idx)))
        .exact(def_exact(&def))
        .bare(self.def_bare.get(&id.name).copied());
        match def.per {
            None => Some(base),
            Some(p) => match &self.ctx.period_var {
                Some((_, cur)) if *cur == p => Some(T {
                    ir: Ir::DefAt(idx),
                    ..base
                }),
                _ => Some(T {
                    ty: Ty::PerPeriod(p, Box::new(def.ty.clone())),
                    ..base
                }),
            },
        }
    }

    /// Reports a name that is not defined, with the likeliest name meant (`frames`: the levels in
    /// scope).
    fn unknown_name(&mut self, id: &ast::Ident, frames: &[usize]) {
        if self.rewards.contains_key(&id.name) {
            let symbol = self.symbols.rewards.get(&id.name).copied();
            self.refer(symbol, id.span);
            self.error(names::reward_used_in_expression(id.span, &id.name, self.surface));
            return;
        }
        if currency(&id.name).is_some() || duration_unit(&id.name).is_some() || self.units.contains_key(&id.name) {
            // A number's unit that slipped onto the next line reads as a name.
            self.error(names::unit_without_number(id.span, &id.name));
            return;
        }
        let var = self.ctx.period_var.as_ref().map(|(var, _)| var.clone());
        let suggestion = self
            .names_in_scope(frames)
            .closest_with(&id.name, var.as_deref())
            .map(str::to_string);
        let suggestion = suggestion.as_deref();
        // A name that exists in a list the expression is not inside.
        let nested = match suggestion {
            Some(_) => None,
            None => self
                .levels
                .iter()
                .find(|l| l.depth > 0 && l.index_of(&id.name).is_some())
                .map(|l| l.path.as_str()),
        };
        let d = names::not_defined(id.span, &id.name, suggestion, nested, self.surface);
        self.error(d);
    }

    /// The names usable where the records of `frames` are in scope, indexed for "did you mean"
    /// (top-level names in the order declared, then the fields of each record). Built once per scope and kept while no name is declared, so that thousands of
    /// unknown names cost time in proportion to their number, not to its square.
    fn names_in_scope(&mut self, frames: &[usize]) -> &crate::suggest::Names {
        let derived: usize = frames
            .iter()
            .map(|level| self.derived.get(*level).map_or(0, Vec::len))
            .sum();
        // The period variable is not indexed (each per-period definition may name its own):
        // the caller adds it as the last candidate.
        let key = (frames.to_vec(), self.top.len(), derived);
        let (top, levels, derived) = (&self.top, &self.levels, &self.derived);
        self.suggestions.entry(key).or_insert_with(|| {
            let mut declared: Vec<(&String, usize)> = top.iter().map(|(name, (_, span))| (name, span.start)).collect();
            declared.sort_by_key(|(_, at)| *at);
            let mut candidates: Vec<&str> = declared.into_iter().map(|(name, _)| name.as_str()).collect();
            for level in frames {
                if let Some(l) = levels.get(*level) {
                    candidates.extend(l.schema.fields.iter().map(|f| f.name.as_str()));
                }
                if let Some(d) = derived.get(*level) {
                    candidates.extend(d.iter().map(|s| s.decl.name.name.as_str()));
                }
            }
            crate::suggest::Names::new(candidates)
        })
    }

    /// The level of a frame below `frame` whose record also has a fact or computed field `name`
    /// and that does not hold `frame`'s record (directly or through the records between): then
    /// `name` could mean either item. The top-level record and the items a record is nested in
    /// are not ambiguous with it: the innermost record's name hides theirs, as a list's item
    /// hides the record it is in.
    fn unrelated_frame_with(&self, frame: usize, name: &str) -> Option<usize> {
        let mut ancestors = Vec::new();
        let mut at = frame;
        while at != 0 {
            at = self.ctx.parents.get(at).copied().filter(|p| *p < at).unwrap_or(0);
            ancestors.push(at);
        }
        (1..frame).rev().find_map(|g| {
            let level = *self.ctx.frames.get(g)?;
            (!ancestors.contains(&g) && !self.is_hidden(g) && self.level_has_name(level, name)).then_some(level)
        })
    }

    /// Whether names cannot see the record in `frame` (see `Context::hidden_below`).
    fn is_hidden(&self, frame: usize) -> bool {
        frame >= 1 && frame < self.ctx.hidden_below
    }

    /// Whether the records of a level have a fact or computed field by that name.
    fn level_has_name(&self, level: usize, name: &str) -> bool {
        self.levels
            .get(level)
            .is_some_and(|l| l.schema.index_of(name).is_some())
            || self
                .derived
                .get(level)
                .is_some_and(|d| d.iter().any(|s| s.decl.name.name == name))
    }

    /// The path of a level's list (`mini_programs.orders`).
    fn level_path(&self, level: usize) -> String {
        self.levels.get(level).map(|l| l.path.clone()).unwrap_or_default()
    }

    /// A fact or computed field of the record in `frame`, if it has one by that name.
    fn field_of_frame(&mut self, frame: usize, level: usize, id: &ast::Ident) -> Option<Option<T>> {
        let name = id.name.as_str();
        let l = self.levels.get(level)?;
        if let Some(i) = l.index_of(name) {
            let symbol = self.symbols.facts.get(&(level, i)).copied();
            self.refer(symbol, id.span);
            let l = self.levels.get(level)?;
            let f = l.schema.fields.get(i)?.clone();
            if level == 0 {
                self.used.insert(name.to_string());
            }
            let child = l.children.get(&i).copied();
            let ir = Ir::Fact { frame, field: i };
            if let Some(child) = child {
                let mut t = T::new(Ir::Unknown, Ty::Records(child));
                t.list = Some(ListExpr {
                    levels: vec![ListLevel {
                        frame,
                        field: i,
                        name: name.to_string(),
                        filters: Vec::new(),
                    }],
                    project: None,
                    base: self.ctx.frames.len(),
                    record_invariant: false,
                });
                return Some(Some(t));
            }
            let known = self.ctx.known.contains(&ir);
            let ty = ty_of_fact(&f.ty);
            let exact = !matches!(
                f.ty,
                FactType::Money(_) | FactType::Quantity(_) | FactType::Decimal | FactType::Fraction
            );
            return Some(Some(T::new(ir, ty).maybe(f.optional && !known).exact(exact)));
        }
        let index = self.derived_index.get(&(level, name)).copied()?;
        let symbol = self.derived.get(level).and_then(|d| d.get(index)).map(|s| s.symbol);
        self.refer(symbol, id.span);
        self.used.insert(format!("of:{name}"));
        let result = self.ensure_derived(level, index);
        Some(result.map(|(ty, maybe)| {
            let ir = Ir::Derived { frame, level, index };
            let known = self.ctx.known.contains(&ir);
            let bare = self.derived_bare.get(&(level, index)).copied();
            T::new(ir, ty).maybe(maybe && !known).exact(false).bare(bare)
        }))
    }

    pub(super) fn field(&mut self, base: &Expr, field: &ast::Ident) -> Option<T> {
        let b = self.expr(base)?;
        let Some(mut list) = b.list.clone() else {
            self.error(names::has_no_fields(field.span, &self.written(base), &b.ty));
            return None;
        };
        if list.project.is_some() {
            self.error(names::values_have_no_fields(field.span, &self.written(base)));
            return None;
        }
        let Ty::Records(level) = b.ty else { return None };
        let frame = self.ctx.frames.len() + list.levels.len() - 1;
        let l = self.levels.get(level)?;
        if let Some(i) = l.index_of(&field.name) {
            let symbol = self.symbols.facts.get(&(level, i)).copied();
            self.refer(symbol, field.span);
            let l = self.levels.get(level)?;
            let f = l.schema.fields.get(i)?.clone();
            if let Some(child) = l.children.get(&i).copied() {
                list.levels.push(ListLevel {
                    frame,
                    field: i,
                    name: field.name.clone(),
                    filters: Vec::new(),
                });
                return Some(T {
                    ty: Ty::Records(child),
                    list: Some(list),
                    ..b
                });
            }
            let ty = ty_of_fact(&f.ty);
            list.project = Some(Box::new(Ir::Fact { frame, field: i }));
            let exact = !matches!(
                f.ty,
                FactType::Money(_) | FactType::Quantity(_) | FactType::Decimal | FactType::Fraction
            );
            return Some(T {
                ty: Ty::Items(Box::new(ty)),
                list: Some(list),
                maybe: f.optional,
                exact,
                ..b
            });
        }
        if let Some(index) = self.derived_index.get(&(level, field.name.as_str())).copied() {
            let symbol = self.derived.get(level).and_then(|d| d.get(index)).map(|s| s.symbol);
            self.refer(symbol, field.span);
            self.used.insert(format!("of:{}", field.name));
            let (ty, maybe) = self.ensure_derived(level, index)?;
            list.project = Some(Box::new(Ir::Derived { frame, level, index }));
            return Some(T {
                ty: Ty::Items(Box::new(ty)),
                list: Some(list),
                maybe,
                exact: false,
                ..b
            });
        }
        let mut all: Vec<String> = self
            .levels
            .get(level)
            .map(|l| l.schema.fields.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default();
        if let Some(d) = self.derived.get(level) {
            all.extend(d.iter().map(|s| s.decl.name.name.clone()));
        }
        let path = self.levels.get(level).map(|l| l.path.clone()).unwrap_or_default();
        // Indexed once per record (and number of computed fields), as names in scope are.
        let key = (vec![level], usize::MAX, self.derived.get(level).map_or(0, Vec::len));
        let suggestion = self
            .suggestions
            .entry(key)
            .or_insert_with(|| crate::suggest::Names::new(&all))
            .closest(&field.name)
            .map(str::to_string);
        let suggestion = suggestion.as_deref();
        let d = names::no_such_field(field.span, &path, &field.name, suggestion, &all);
        self.error(d);
        None
    }
}

fn def_exact(def: &Definition) -> bool {
    // A rounded definition is exact only when its step is payable: `value_def` decides.
    def.exact || matches!(def.expr, Ir::Const(_)) || matches!(def.ty, Ty::Num(Dim::Count))
}
