// Package track closes the learning loop of SPEC §10: tracking tokens,
// the links and pixel that carry them, the events they turn into, and the
// statistics learned ranking reads back.
//
//   - Tracker (tracker.go) makes and opens tokens — sealed with
//     authenticated encryption (AES-GCM) under a key derived from a secret (seal.go:
//     a nonce derived from the content, so reruns and snapshots keep their bytes), or
//     readable without one — and the click, open and unsubscribe URLs
//     under a public URL; click links are signed, so the click route is no
//     open redirect.
//   - Events (event.go) are impressions and clicks, read from the NDJSON or
//     JSON array of `mailpreview feedback` and POST /v1/events.
//   - Recorder (record.go) counts each event once in a decide.Store,
//     whatever brings it and however often: by its id, else by type and
//     proposition, with its time.
//   - Live (live.go) is the store's statistics for learned ranking,
//     re-read at most once a second, so the decisions of a replica or a
//     running batch follow every process's events.
//
// The package knows nothing of HTTP: the decisioning service (package api)
// serves the routes, and cmd/mailpreview reads the secret.
package track
