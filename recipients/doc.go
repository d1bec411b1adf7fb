// Package recipients streams recipient records from NDJSON and CSV files and
// reads single-recipient profile files, checking every record on the way.
//
// A batch run reads millions of recipients, so readers stream: memory does
// not grow with the number of records, apart from the optional duplicate-id
// set (about 20 bytes per distinct id, see WithDuplicateCheck). Each call
// to Next yields the next good Record or a Reject for a bad one, in file
// order; a bad record never stops the run and is never dropped silently.
// Only I/O failures, and a CSV record too long to read safely, are fatal.
//
// # NDJSON
//
// One JSON object per line (files named .ndjson or .jsonl):
//
//	{"id":"u-1001","email":"maya.chen@example.com","profile":{"age":34},"context":{"weather":"snow"}}
//
// "id" and "email" are required; "profile" and "context" are optional
// objects (null counts as absent). Any other top-level key is rejected by
// name, with a suggestion for near-misses, since a typo like "profle" would
// otherwise lose the whole profile. An id is a string; a JSON integer such
// as 1001 is accepted as its decimal text "1001", so that it matches the
// same id in a CSV file, but 1001.0, 1e3 and negative numbers are rejected
// because they would give one id several spellings.
//
// JSON is read with jsontext (github.com/go-json-experiment/json), which
// is strict: a repeated key at any depth, invalid UTF-8 and lone UTF-16
// surrogates are errors, where encoding/json would keep the last value or
// substitute U+FFFD. A repeated key is a syntax error, so a record with
// one does not register its id for the duplicate check. Objects and arrays
// nest at most 100 levels. Numbers decode to float64, as in JavaScript,
// so integers beyond 2^53 lose precision; strings, booleans, null, arrays
// and objects decode as encoding/json decodes them into an any.
//
// Blank lines are skipped. A UTF-8 byte order mark at the start of the file
// is ignored. A line longer than the limit (1 MiB by default, see
// WithMaxLineBytes) is rejected with its line number without being held in
// memory, and reading goes on at the next line. The reason for a JSON error
// gives the 1-based column, in characters as every column of offermail
// (package diag): "col 17: malformed JSON: invalid character '}' looking
// for beginning of value"; the Reject's Err holds the same as a
// *diag.Error, with the line and a caret.
//
// # CSV
//
// A header row, then one recipient per row (files named .csv), as RFC 4180
// describes: comma-separated, cells quoted with " when they hold a comma,
// quote or newline. The header needs an "id" and an "email" column, named
// exactly so (spaces around header names are ignored). Every other column is
// a profile field; a dotted name nests, so loyalty.tier sets
// profile.loyalty.tier. Two spellings are accepted beyond SPEC §6:
// "profile.age" is the same column as "age", and a "context." prefix
// (context.weather) fills the record's Context, for which CSV has no other
// way. A header that names no field, names one field twice, or makes one
// field both a value and an object (loyalty and loyalty.tier) is an error
// from NewCSV with its line and column.
//
// Cells are typed so that rules can compare them:
//
//   - true, True, TRUE, false, False, FALSE are booleans;
//   - a plain decimal is a number: an optional minus, 0 or digits not
//     starting with 0, optionally a point and digits, at most 15 digits in
//     all (so float64 holds it exactly): 42, -7, 0.5, 19.90;
//   - everything else is the string as written, untrimmed: zip codes and
//     ids with leading zeros (02134, 007), +1, 1e3, 1,000, .5, NaN, -0;
//   - an empty cell means the field is absent.
//
// The id and email cells are never typed. A UTF-8 byte order mark is
// ignored. A record's Line is the line where it starts, also when a quoted
// cell spans lines. A row with the wrong number of cells, or a quoting error,
// is a reject naming the line. A record longer than the limit is a fatal
// error, since an unbalanced quote leaves no safe place to resume.
//
// # Checks
//
// Every reader rejects, with the record's line and the first reason found:
//
//   - malformed JSON or CSV, an unknown or repeated key, a value of the
//     wrong type, a wrong number of cells;
//   - a missing or empty id, or one longer than 256 bytes or holding a
//     control character;
//   - a duplicate id: the second and later records with an id are rejected,
//     naming the line of the first. A record's id counts as seen as soon as
//     the record is well-formed, even if it is rejected for another reason,
//     so a fix to one record never turns another into a duplicate;
//   - a missing email, or one that is not a bare address: net/mail must
//     parse it to exactly itself, so a display name ("Maya <m@example.com>"),
//     angle brackets, comments, surrounding spaces, CR or LF, and quoted
//     local parts are rejected, as is anything over 254 bytes.
//
// Ids are not otherwise restricted: a caller that builds file names from
// them must make them safe itself.
//
// # Profile files
//
// ReadProfile reads one record in the NDJSON shape as a single JSON object,
// which may be pretty-printed over many lines. It applies the same checks
// (except duplicates) and reports any problem as an *Error printing
// file:line:col: message.
package recipients
