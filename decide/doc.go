// Package decide is offermail's offer library and decision engine.
//
// Load reads a library — placements, rules, formulas, models, offers, fallbacks,
// collections and activities — from a directory of YAML or JSON files,
// checks every id, enum, date, expression and reference, and reports every
// problem at once as "file:line:col: message" (a diag.List of diag.Error,
// columns in characters).
// Expressions are compiled once, at load, with github.com/expr-lang/expr;
// they have no side effects and a missing profile field is nil and
// compares false (SPEC §3). Their cost is bounded by counting: a rule or
// formula's length and nesting before it is parsed (exprshape.go), and
// each evaluation's steps, bytes built and VM items (budget.go), so that
// going over fails the same way on every run; an evaluation also stops
// when its decision's context is done. YAML aliases are measured,
// expanded, before the loader reads a file (yamlalias.go).
//
// An Engine decides, for one recipient, which offers fill each decision
// scope (an activity and a placement) of a message, following SPEC §4:
// criteria groups in order, an offer keeping its best score within a
// group, later groups only filling empty slots, caps read through Counts,
// no offer twice in one message unless allowed, the activity's fallback
// when nothing qualifies, and ties broken by a seeded hash so that the same
// inputs always give the same choice. With Request.Trace the decision
// explains the fate of every candidate (SPEC §4.6). Without a trace it
// reads no more candidates than it must (walk.go): in the order of scores
// known at load, or of bounds of scores for formulas that read the
// profile, which are split at load into what reads the offer and what
// reads the recipient (split.go, interp.go); the VM then scores only the
// candidates whose bound can still enter the result. Rules, evaluated at
// most once per recipient, go through the same interpreter when it knows
// every node of theirs, reading each profile field once per decision
// (rule.go); the VM evaluates the others, and every rule of a trace.
//
// Nothing here reads the wall clock or global randomness: the decision time
// and the seed come in with the Request. A loaded Library and an Engine are
// immutable and safe for concurrent use.
//
// Real runs count decisions with a Store (package capstore implements it
// over memory, bbolt and Redis): Store.Reserve checks every cap and records
// the decision in the campaign ledger in one atomic step.
package decide
