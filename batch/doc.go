// Package batch runs a campaign: it streams recipients, decides their
// offers for real (counting caps in a shared store), renders one message per
// recipient and writes it to a file or sends it over SMTP, and keeps enough
// on disk that running the same command again after a crash or Ctrl-C
// completes the run with every recipient handled exactly once. It is the
// engine of `mailpreview batch` (SPEC §7); Run is the entry point.
//
// # Outputs
//
// Everything goes into one output directory, OUT:
//
//	OUT/run.json            what the run is: campaign, template, recipients,
//	                        format, delivery, decision time, seed, shard,
//	                        store, attempts
//	OUT/messages/ID.EXT     one message per recipient (eml, html or json);
//	                        not written when sending over SMTP
//	OUT/decisions.ndjson    one line per decided recipient:
//	                        {"campaign":…,"recipient":…,"propositions":[…]}
//	OUT/rejects.ndjson      one line per rejected record or message:
//	                        {"line":N,"id":…,"stage":…,"reason":…}
//	OUT/report.json         counts and throughput, written when the run ends
//	OUT/state.db            the default store (bolt:OUT/state.db)
//
// A reject's stage says where it failed: "read" (the record itself, SPEC
// §6), "render" (the template could not be rendered for this recipient, as
// with --strict and a missing field) or "send" (the SMTP server refused the
// message for good; the reason holds its code and text). A recipient
// rejected at render or send was decided, and its caps counted, so it also
// has a line in decisions.ndjson: decisions.ndjson mirrors the store's
// ledger, and the cap counters always equal what its lines imply. Lines are
// appended in the order work finishes, not in input order.
//
// # Exactly once
//
// A recipient is done when its line is in decisions.ndjson (a bad record:
// in rejects.ndjson). Its message file is written under a temporary name
// in OUT/tmp and renamed into place before that line is appended, and the
// journals are fsynced — after the message files (one syncfs on Linux) and
// rejects before decisions — at least every 100ms or 512 recipients.
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
// Over SMTP a message counts as sent once the server accepted it. A crash
// after the server's acceptance and before the next journal commit (at
// most 100ms of messages, plus those in flight) leaves messages that the
// next attempt sends again: delivery is at-least-once in that window, as
// with any SMTP client, which cannot ask the server what it accepted. On
// Ctrl-C no new message starts; those in the middle of their SMTP
// transaction get 5 seconds to finish.
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
