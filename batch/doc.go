// Package batch runs a campaign — the main job — as a library: it streams
// recipients, decides their offers for real (counting caps in a shared
// store), renders one message per recipient and hands it to a sink (files,
// SMTP, anything with one method), and keeps enough on disk that running
// it again after a crash or Ctrl-C completes it with every recipient
// handled exactly once.
//
// A Runner takes values, as litestream's DB takes its replica clients: a
// record source (a recipients.Reader, or Records over an iterator), a
// decide.Store, a Sink and a clock, besides the project, the template and
// the run directory. It knows nothing of flags, paths or URLs; the
// mailpreview batch command only turns those into values, words errors in
// its flags and picks exit codes, and draws the progress bar from
// Runner.Progress.
//
// The per-recipient work is a Step: Reserve (decide and record the
// decision in the store's ledger, counting caps) and Message (render and
// encode). The runner calls them in its pipeline; the decisioning service
// (mailpreview api) calls the same pieces per request.
//
// # Where the cut is
//
// The run directory (run.json, the journals, report.json, and the message
// files of the default sink) moves with the runner, not the command: it is
// how a run is exactly once — the order of message files, rejects and
// decisions on disk, and resuming from them — which a Go pipeline needs as
// much as the command does, and which no caller should assemble again.
// What is the command's alone stays in cmd/mailpreview: flags and their
// wording ("--store: …", "use another --out"), turning a store URL into a
// store and an SMTP URL into a sender, the progress bar on a terminal, and
// exit codes. The runner's errors are typed (DirError, ErrInput,
// ErrInterrupted) so that the command words them without parsing.
//
// # Outputs
//
// Everything goes into one output directory, OUT:
//
//	OUT/run.json            what the run is: campaign, template, recipients,
//	                        format, delivery, decision time, seed, shard,
//	                        store, attempts
//	OUT/messages/ID.EXT     one message per recipient (eml, html or json),
//	                        written by the default sink; not written when
//	                        the run has a Sink of its own (SMTP)
//	OUT/messages/part-00001.mbox
//	                        with Runner.Pack, the messages instead, Pack a
//	                        part, in the order of the source: mboxrd for eml
//	                        (see below), part-00001.ndjson for json and html
//	                        (one message a line: {"recipient":…, then the
//	                        json message's members, or "html":…})
//	OUT/messages/index.ndjson
//	                        with Runner.Pack, one line per message:
//	                        {"recipient":…,"part":…,"offset":N,"length":N},
//	                        the bytes of the message in its part (for mbox,
//	                        after its From_ line, still quoted; for ndjson,
//	                        the line without its newline)
//	OUT/decisions.ndjson    one line per decided recipient:
//	                        {"campaign":…,"recipient":…,"propositions":[…]}
//	OUT/rejects.ndjson      one line per rejected record or message:
//	                        {"line":N,"id":…,"stage":…,"reason":…}
//	OUT/report.json         counts and throughput, written when the run ends
//	OUT/state.db            the command's default store (bolt:OUT/state.db)
//
// A reject's stage says where it failed: "read" (the record itself, SPEC
// §6), "render" (the template could not be rendered for this recipient, as
// in strict mode with a missing field) or "send" (the sink refused the
// message for good: an SMTP 5xx, whose reason holds its code and text) or
// "unknown" (sent, the server's answer lost; see Exactly once). A recipient
// rejected at render or send was decided, and its caps counted, so it also
// has a line in decisions.ndjson: decisions.ndjson mirrors the store's
// ledger, and the cap counters always equal what its lines imply. Lines are
// appended in the order work finishes, not in input order.
//
// Deciders decide batches of recipients in parallel, but reserve them in
// the store in the order of the source, a batch's reservations all made
// before the next batch's first; a batch decided while those before it
// taught the Reserver that a total cap is used up is decided again before
// it reserves. So a run decides what one decider would, batch after batch:
// the same run over the same store makes the same decisions whatever the
// timing and the number of workers. Only the release of a render reject's
// caps, made by a worker when it meets the reject, comes at a moment that
// depends on timing (shards, too, reach the store in no set order). A
// batch is the next BatchSize records of the shard, less those done, so an
// attempt that completes a stopped run reserves the same recipients
// together, and its Reserver reads each total counter before it first
// reserves on it, so it knows of the caps used up before the stop as the
// run never stopped does, barring one used up just before the stop (see
// the README's Sharding).
//
// # Exactly once
//
// A recipient is done when its line is in decisions.ndjson (a bad record:
// in rejects.ndjson). Its message file is written under a temporary name
// in OUT/tmp and renamed into place before that line is appended, and the
// journals are fsynced — after the message files (one syncfs on Linux; a
// Sink of its own is synced through Syncer) and rejects before decisions —
// at least every 100ms or 512 recipients.
//
// On start, a run reads both journals back, cuts off a torn last line left
// by a crash, and skips what is done (remembering 8 bytes per recipient
// done). A recipient decided but not journalled is decided again by
// decide.Reserver, which finds its decision in the store's ledger and
// replays it without counting; its message is written again with the same
// bytes, since the decision time is fixed in run.json. So every recipient
// ends with one message and one decisions line, and caps count each
// decision once, however often the run is interrupted. Between attempts
// the recipients file may only grow at its end, and the library and the
// template should not change.
//
// Packed (Runner.Pack), the journal appends each message to its part in
// the order of the source — outcomes that finish early wait, a bounded
// number — and before each journal commit the parts are written and
// fsynced, then the index lines that point into them: the index never
// names bytes not on disk, and a recipient's decisions line never comes
// before its index line. On start, a torn last index line is cut, the
// last part is cut after the last indexed message, parts no index line
// names are removed, and recipients indexed but not journalled get their
// decisions lines from the store's ledger, not a second message. The
// remaining recipients follow in the order of the source, so a run
// stopped any number of times writes the same bytes as a run never
// stopped. An mbox part starts each message with "From SENDER DATE" (the
// template's sender, the decision time) and ends it with an empty line;
// a line of the message that is "From " after any number of '>' gets one
// more '>' (mboxrd), which readers take off. Message lines keep their
// CRLF, so an index entry's bytes are the message file's bytes but for
// that quoting.
//
// That relies on the store keeping what it counted. A store that lost its
// state between attempts (a deleted state.db, a Redis restarted without
// persistence) lost its counters too, so a resume first checks that the
// ledger holds a record of every recipient in decisions.ndjson, and stops
// with ErrStoreLost (a *StoreLostError naming the first one missing)
// rather than grant capped offers again.
//
// Over SMTP (the SMTP sink) a message counts as sent once the server
// accepted it. One whose connection ended after the whole message went
// out and before the server's answer is unknown (ErrUnknown): it may have
// been delivered, so it is not retried but recorded as a reject of stage
// "unknown", without a decisions line (its decision is in the ledger), and
// counted in the report; an attempt with Runner.ResendUnknown sends it
// again, replaying its decision, and writes the line. A crash
// after the server's acceptance and before the next journal commit (at
// most 100ms of messages, plus those in flight) leaves messages that the
// next attempt sends again: delivery is at-least-once in that window, as
// with any SMTP client, which cannot ask the server what it accepted. When
// the run is stopped no new message starts; those in the middle of their
// delivery get Runner.Grace (5 seconds) to finish.
//
// # Memory
//
// Channels between the stages are short (a batch of 256 at each step), so
// a slow stage holds the others back and memory is bounded by the batches
// in flight, whatever the number of recipients — apart from the reader's
// duplicate-id check (about 20 bytes per distinct id, package recipients)
// and the 8 bytes per recipient an interrupted run resumes past.
//
// # Sharding
//
// With Shard K/N a run takes the recipients whose id hashes (FNV-1a 64,
// modulo N) to K-1, and bad records without an id by their line number
// modulo N. N runs over the same recipients file and one shared store
// (Redis), each into its own OUT, together decide and write exactly what
// one run would; they must all be given the same decision time.
//
// # File names
//
// A message is named after its recipient id when the id only holds
// A-Z a-z 0-9 . _ @ + - and does not start with a dot. Any other byte is
// written %XX (so '%' itself becomes %25) and a leading dot %2E; see
// FileName and RecipientID. A name that would exceed 200 bytes keeps its
// first 150 and ends in "~" and 16 hex digits of the id's SHA-256; those
// ids are found through decisions.ndjson. On a case-insensitive file
// system, ids differing only in case share a file: use a case-sensitive one.
package batch
