// Package preview is the designers' preview server behind mailpreview
// serve (SPEC §8): one page showing, while templates are edited, exactly
// what a recipient will receive and why each offer was chosen.
//
// The page lists the templates and the profiles of the directories it was
// given, lets the designer edit the chosen profile's JSON in place (never
// written back) and pick the decision time, and shows the rendered email in
// a sandboxed iframe at desktop (600 px) and mobile (375 px) widths, with
// tabs for the plain text, the raw MIME and the decisions JSON. Beside the
// email, each placeholder's decision trace (SPEC §4.6): the offers chosen
// with score and rank, every candidate dropped with the step and reason,
// caps with counter and limit, why the fallback was used. Profile fields the
// template writes out but the profile lacks are listed as warnings.
//
// # Live reload
//
// Watch follows the templates, library and profiles directories with
// fsnotify (directories, not files, so editors that save by renaming work)
// and reloads after changes settle. A reload that fails keeps the last good
// library and templates serving; its errors go to the page, each with
// file:line:col, the offending line and a caret, and disappear once fixed.
// Pages learn of reloads over server-sent events (/events).
//
// # Safety
//
// Server is an http.Handler with a fixed set of paths: the page, its two
// assets (embedded in the binary; the page needs no network), a JSON API and
// the event stream. Templates and profiles are chosen by name from the
// loaded lists, never by path, so no request reaches a file outside the
// directories; any other path is 404. Only localhost Host headers are
// answered unless Config.AnyHost. The page's Content-Security-Policy admits
// scripts from the server only; everything from templates and profiles is
// inserted as text, and the email's iframe has an empty sandbox. Decisions
// are dry runs: counters are read through decide.Counts and never written.
//
// # API
//
//	GET  /api/state             templates (with broken flags), profiles, default time, load errors
//	GET  /api/profile?name=N    the text of profile N
//	POST /api/render            {"template", "profile", "profileJSON"?, "at"?} → subject, html,
//	                            text, eml, decisions with traces, missing fields, problems
//	GET  /events                text/event-stream of {"version": N} after each reload
package preview
