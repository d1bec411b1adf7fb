// Package capstore keeps offermail's frequency-cap counters and campaign
// ledger: the implementations of decide.Store. Every store passes the same
// conformance suite, package storetest (storetest.Run), which a store of
// anyone else's can run too.
//
//   - Memory (NewMemory, "memory:"): in one process, for tests and dry runs.
//   - Bolt (OpenBolt, "bolt:PATH"): a bbolt file, the embedded default.
//   - Redis (OpenRedis, "redis://HOST:PORT/DB"): one server shared by every
//     worker and machine of a run.
//
// Open picks one by URL.
//
// # Guarantees
//
// A reservation is atomic on its own: the ledger entry of its (campaign,
// recipient) pair is checked, then every counter's value plus its increment
// is checked against its limit, then all counters are incremented and the
// record is written — or, if the pair is already recorded (Replayed) or a
// limit would be passed (Exhausted), nothing is written at all. The
// reservations of one Reserve call are applied in order, so earlier ones
// get the room first and a pair that appears twice is Replayed the second
// time. A release (its campaign is decide.ReleaseLedger's) is the one
// reservation with negative increments; a value below 0 refuses it as a
// passed limit does.
//
// Caps are exact whatever the concurrency: Memory serialises calls with a
// mutex; bbolt has one writer at a time and its file lock keeps other
// processes out; Redis runs each batch as one Lua script, which no other
// command interleaves, from any number of processes and machines. A total
// cap of 200 never lets 201 through.
//
// A crash (SIGKILL, power loss for bbolt, whose commits are fsynced) never
// leaves a counted-but-unrecorded or recorded-but-uncounted reservation: the
// counters and the record of a reservation are written in one bbolt
// transaction or one script call. When Reserve returns an error, part of
// the batch may have been applied (a Redis batch is split into several
// script calls when it is large, and a reply can be lost after the script
// ran); retrying the same reservations is always safe, because the applied
// ones come back Replayed with their recorded bytes and count nothing
// twice. Errors of an unreachable or failing store (connection refused,
// file locked, disk full) wrap decide.ErrStoreUnavailable.
//
// # Group commit
//
// The bbolt and Redis stores coalesce concurrent Reserve calls: calls are
// queued, and a committer applies everything queued in one bbolt
// transaction (one fsync) or one script call (one round trip). The next
// batch gathers while the current one is on disk or on the wire, so 64
// workers reserving one recipient at a time share commits without a fixed
// delay; Redis adds a linger of 100µs when fewer than a quarter of a batch
// is waiting. bbolt, whose commit has a fixed cost thirty times that of a
// reservation, lingers up to 1 ms for 64 reservations once a batch carried
// several calls (callers are coming concurrently, as API requests under
// load), and not after a call that came alone. A call that needs no
// linger (a quarter of a batch for Redis, 64 reservations for bbolt) and
// finds nothing queued and a flush free is flushed by its caller at once,
// which saves it two goroutine hand-offs. A batch holds up to 4096
// reservations for bbolt and 512 per script call for Redis. A caller
// whose context ends before its reservations were taken into a batch
// withdraws them; once taken, the call returns the context's error at
// once and the batch goes on (its reservations applied or not, as when a
// reply is lost: a retry tells). Contexts reach the Redis client's reads
// (go-redis ContextTimeoutEnabled), so a stalled server holds a call no
// longer than its deadline.
//
// # Windows, expiry and retention
//
// A windowed counter (decide.Counter.Expire set) gets a deadline of
// max(Expire, time of the write) + retention by the store's clock
// (WithClock; the wall clock by default), and reads as 0 once the clock
// reaches it. The retention (WithRetention, 24h by default) exists because
// a run decides with one frozen decision time: a run that starts at 23:50
// keeps counting in that day's window after midnight, and a run with a
// decision time in the past still sees its caps. Keys of a new window are
// new keys, so a new window always starts at 0. With WithRetention(0) a
// counter reads as 0 from its Expire on, as decide.Counter says literally.
// Lifetime counters (zero Expire) never expire.
//
// # bbolt file layout
//
// One file, created when missing, with four buckets:
//
//	meta      format → "offermail-capstore/2" (or /1, below)
//	counters  <number of the key's prefix> <rest of the key> → the
//	          count (varint) then the deadline (uvarint), Unix
//	          milliseconds, 0 for lifetime
//	prefixes  <counter key up to its last "|"> → its number (uvarint)
//	ledger    <campaign> → a nested bucket: <recipient> → record bytes
//
// A counter key is split after its last "|": what comes before (such as
// "cap|parka-30|profile|2026-W49|*|", shared by every recipient's counter
// of that cap) is stored once, in prefixes, and each counter holds its
// number and the rest (the recipient id). Counters of one prefix stay
// together in key order, so a batch of new recipients appends to a few
// pages. Pages of the ledger and counters are filled to 90% when they
// split, since their keys come nearly in order. With compact ledger
// records (package decide) a run of the sample newsletter grows the file
// by under 200 bytes per recipient.
//
// Files created before format 2 keep format 1, which this code reads and
// writes too: counters under their whole key with a 16-byte value (count
// then deadline, big-endian int64), no prefixes bucket. A run interrupted
// before the upgrade resumes on its store as it is.
//
// Expired counters are pruned lazily: each write transaction inspects the
// next 64 counters in key order (wrapping around) and deletes the expired
// ones, so pruning costs a little on every batch and never a pause. Ledger
// entries are kept forever. Only one process may open the file at a time;
// another waits WithLockTimeout (2s by default) and then fails with an
// error naming the file.
//
// # Redis key layout
//
// Every key of a store starts with the hash tag of its namespace, "{om}"
// by default (?namespace=NS in the URL, or WithNamespace):
//
//	{om}:c             a hash of the lifetime counters: <counter key> → "N"
//	{om}:w:<ms>        a window, a hash of windowed counters:
//	                   <counter key> → "N:DEADLINE" (Unix ms); its TTL
//	                   ends with its last counter's DEADLINE
//	{om}:w             the window registry, a hash: <ms> → the last
//	                   DEADLINE of window {om}:w:<ms>
//	{om}:l:<campaign>  a hash: <recipient> → record bytes, kept forever
//
// A windowed counter goes to the window of its Expire rounded up to a UTC
// midnight, <ms> in Unix milliseconds: all counters of a calendar window
// (decide ends them at midnight) share one hash, and a batch reads and
// writes each hash with a command or two, and sets a window's TTL once,
// however many counters it holds. A counter reads as 0 once the store's
// clock reaches its own DEADLINE; the window's TTL (its last DEADLINE −
// now, set as it is written) only decides when Redis frees it, and a
// script that finds a window past its deadline unlinks it before the TTL
// fires, so that Redis frees a large hash in the background.
//
// A counter is in one place at a time: where the first reservation of it
// put it. A key that always comes with the same Expire, as decide's keys
// do (they name their window), is found there with one lookup. A key
// reserved with another Expire, or as a lifetime counter, is still the
// same counter (its deadline only grows, and lifetime wins), so a key not
// found where its Expire points is looked for in {om}:c and every other
// live window: a new counter costs one lookup per place that could hold
// it. Counts and Add, which get no Expire, look everywhere.
//
// One script call touches the shared total counters, the recipients'
// counters and ledger entries at once, and Redis Cluster only runs a script
// whose keys are all in one hash slot. The common hash tag puts every key of
// a namespace in one slot, so the store runs unchanged on a cluster. Every
// key a script touches is passed in KEYS, as a cluster requires: a call
// passes every window the registry named in the last reply, and a script
// that finds one it was not given changes nothing and is called again with
// it. But one namespace lives on one shard: a cluster adds failover and
// room for other namespaces, not throughput for one. Spreading the keys over slots would need total
// counters to be updated outside the script of the ledger write, which
// gives up the crash guarantee above. A shard's single thread spends a
// few microseconds per reservation, so one namespace handles on the order
// of 100,000 reservations a second; tenants that share no total caps can
// use separate namespaces, which a cluster spreads over its shards.
//
// The server must not evict keys (maxmemory-policy noeviction, the
// default): an evicted counter would read 0. OpenRedis refuses a server
// with another policy. Replication to replicas is asynchronous, as always
// with Redis: after a failover, the last reservations may be lost, but
// their counters and records are lost together.
//
// Scripts are run with EVALSHA and fall back to EVAL (which also caches
// them again) when the server answers NOSCRIPT, as after a restart or
// SCRIPT FLUSH. A window's expiry is relative (PEXPIRE) rather than
// PEXPIREAT so that it follows the store's clock; with the wall clock both
// are the same instant.
package capstore
