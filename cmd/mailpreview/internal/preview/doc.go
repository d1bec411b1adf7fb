// Package preview is the designers' preview server behind mailpreview
// serve (SPEC §8): one page showing, while templates are edited, exactly
// what a recipient will receive and why each offer was chosen.
//
// The page lists the templates and the profiles of the directories it was
// given, lets the designer edit the chosen profile's JSON in place (never
// written back) and pick the decision time, and shows the rendered email in
// a sandboxed iframe at desktop (600 px) and mobile (375 px) widths, as
// tall as the email, with tabs for the plain text, the raw MIME and the
// decisions JSON. Beside the email, each placeholder's decision trace (SPEC
// §4.6): the offers shown first, with score and rank, then the candidates
// that lost, folded by the step that dropped them (a false rule with the
// values it read, a cap with its counter, window and limit), and why the
// fallback was used. Profile fields the template writes out but the
// profile lacks are listed as warnings, and the email checks of
// mailpreview lint (package lint) for the message on screen in a panel of
// their own. The page fits screens from 1,280
// px wide without scrolling sideways; the decision time is a UTC field.
//
// Images the library keeps local copies of, in LIBRARY/assets/HOST/PATH
// for https://HOST/PATH, are shown from there (GET /library/assets/…), so
// a sample library previews offline; the HTML and MIME tabs keep the real
// URLs.
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
// Server is an http.Handler with a fixed set of paths: the page, its three
// assets (embedded in the binary; the page needs no network), a JSON API and
// the event stream. Templates and profiles are chosen by name from the
// loaded lists, never by path, so no request reaches a file outside the
// directories; any other path is 404. Only localhost Host headers are
// answered unless Config.AnyHost. The page's Content-Security-Policy admits
// scripts from the server only; everything from templates and profiles is
// inserted as text, and the email's iframe is sandboxed without scripts
// (allow-same-origin only, so the page can measure it). Decisions
// are dry runs: counters are read through decide.Counts and never written.
//
// # API
//
//	GET  /api/state             templates (with broken flags), profiles, default time, load errors
//	GET  /api/profile?name=N    the text of profile N
//	POST /api/render            {"template", "profile", "profileJSON"?, "at"?} → subject, html,
//	                            frame (html with local images), text, eml, decisions with
//	                            traces, missing fields, lint problems, problems
//	GET  /library/assets/P      an image of LIBRARY/assets
//	GET  /events                text/event-stream of {"version": N} after each reload
package preview
