// Package api is the decisioning service behind `mailpreview api` (SPEC
// §9): offers decided at request time, over HTTP and JSON, for channels
// that cannot wait for a batch run — web and app placements, transactional
// email, pipelines not written in Go. It uses the library, engine,
// renderer and stores of batch runs: a Service is built from the library
// and templates directories, a decide.Store and a clock, and is an
// http.Handler; cmd/mailpreview turns flags into its Config and owns the
// listener, the signals and the exit code.
//
// # Routes
//
//	POST /v1/decisions  {"recipient", "propositionRequests", "campaign"?, "at"?, "dryRun"?, "trace"?}
//	                    → {"decisionId", "propositions": [{"activity", "placement",
//	                       "offers": [{"id", "score", "rank", "token", "content"}],
//	                       "fallback": null | {"id", "token", "content"}, "trace"?}]}
//	POST /v1/messages   {"template", "recipient", "campaign"?, "at"?, "dryRun"?, "trace"?}
//	                    → the message as `render --format json` prints it, with
//	                      "decisionId"; MIME with Accept: message/rfc822
//	GET  /healthz       the process answers
//	GET  /readyz        a library is loaded and the store answers (503 otherwise,
//	                    or while draining); a failed reload's problems
//	GET  /metrics       Prometheus text format
//
// Every /v1/ route needs Authorization: Bearer KEY when the service has
// keys; without keys it answers /v1/ only for a loopback Host. Errors are
// {"error": {"code", "message", "field"?}}: 400 malformed JSON (with the
// byte offset), 401, 404 unknown route, activity, placement or template,
// 405, 413 over 1 MiB, 422 an invalid member (named in "field", as
// propositionRequests[0].items) or an Idempotency-Key reused for another
// request, 503 with Retry-After when the store does not answer. A request
// that takes longer than Config.RequestTimeout ends with a 503.
//
// # Counting
//
// A request that is not a dry run counts its decision events (SPEC §4.4)
// before it answers: the decision is made optimistically by a
// decide.Reserver shared by every request, and reserved with its ledger
// entry in one atomic step of the store. Concurrent requests coalesce in
// the store's batcher into one bbolt transaction or one Redis script call,
// so a total cap is exact under any load, and across every replica on one
// Redis. A dry run reads the counters and writes nothing.
//
// Each counted request is one entry of the ledger "api/<UTC day>" (see
// record.go): "k:<Idempotency-Key>" or "d:<decisionId>". A retry with the
// same key and an equal body, on any replica, finds the entry and answers
// the recorded decision again — same decision id, same decision time, the
// same content rendered from it — counting nothing; the same key with
// another body is 422.
//
// # Reload
//
// Reload (on SIGHUP, or from Watch on a change to the directories) loads
// the library and templates anew and swaps them in atomically once both
// load cleanly; requests in flight finish on the version they started
// with. A broken library or template keeps the previous version serving,
// and its problems, each file:line:col: message, go to the log and to
// /readyz until a reload succeeds.
package api
