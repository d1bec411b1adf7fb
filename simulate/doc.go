// Package simulate is a campaign's dry run before it is sent (mailpreview
// simulate, SPEC §7): Adobe's activity simulation at audience scale. It
// runs the campaign as a batch run would — the same batch.Runner deciding,
// reserving and rendering every recipient of the real recipients file —
// but against a capstore.Overlay, an in-memory copy of the store's
// counters: caps bind as they will (a total cap of 2 grants 2, whatever
// the concurrency), while the store is only read. Nothing is sent or
// written anywhere but the output directory.
//
// The output directory gets what a batch run writes about itself —
// run.json, decisions.ndjson (who gets which offer), rejects.ndjson — and:
//
//	OUT/report.json   batch's report, plus "simulated": true, the store
//	                  read ("store"), the messages rendered ("rendered"),
//	                  cap refusals per offer ("cap_refusals": the
//	                  recipients for whom the offer passed every other
//	                  step but was capped) and the distinct variants of
//	                  each placement ("variants": each different list of
//	                  offers, the fallback, or nothing, with how many
//	                  recipients got it and an example recipient)
//	OUT/report.html   the same as a page that needs nothing but itself
//	                  (batch.WriteHTML): a bar chart per placement, cap
//	                  refusals, rejects, one example per variant
//
// A simulation always starts afresh: a directory holding an earlier
// simulation is cleared of it first; one holding a real run is refused.
package simulate
