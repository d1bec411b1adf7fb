// Package gen writes synthetic recipients for load tests and benchmarks of
// batch runs: NDJSON records shaped like testdata/recipients/sample.ndjson
// (names, ages, loyalty tiers and points, cities, interests, spend, kids,
// weather), spread so that every rule and offer of the sample library is
// exercised, and reproducible from a seed.
//
// It is a test tool, not a user-facing command: run it with
//
//	go run ./batch/gen/genrecipients -n 200000 -o r.ndjson
package gen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
)

// Options shape the generated file.
type Options struct {
	// Seed makes the file reproducible; the same seed and N give the same
	// bytes.
	Seed uint64
	// Prefix starts every id; default "r".
	Prefix string
	// BadEvery, when positive, makes every BadEvery-th line a bad record
	// (malformed JSON, a missing email or an invalid address, in turn), so
	// runs have rejects.
	BadEvery int
	// OddEvery, when positive, gives every OddEvery-th recipient an id with
	// characters a file name cannot hold as they are (space, slash,
	// percent, a leading dot).
	OddEvery int
}

var (
	firstNames = []string{"Maya", "Liam", "Sofía", "Noah", "Emma", "Olivia", "Ethan", "Ava", "Lucas", "Mia", "Zoe", "Henry", "Yuki", "Amelia", "Oliver", "Isla", "Leo", "Chloé", "Aarav", "Jack"}
	lastNames  = []string{"Chen", "O'Connor", "García", "Kim", "Schmidt", "Brown", "Patel", "Nguyen", "Martin", "Rossi", "Wilson", "Taylor", "Tanaka", "Jones", "Smith", "Murphy", "Müller", "Dubois", "Sharma"}
	places     = []struct{ city, country string }{
		{"Portland", "US"}, {"Boston", "US"}, {"Minneapolis", "US"}, {"Denver", "US"}, {"Anchorage", "US"},
		{"Seattle", "US"}, {"Austin", "US"}, {"Chicago", "US"}, {"Toronto", "CA"}, {"Montréal", "CA"},
		{"Berlin", "DE"}, {"Madrid", "ES"}, {"London", "GB"}, {"Tokyo", "JP"}, {"Sydney", "AU"},
	}
	tiers     = []string{"gold", "silver", "silver", "bronze", "bronze", "none", "none", ""}
	interests = []string{"running", "trail", "ski", "cycling", "yoga", "hiking", "swimming", "tennis", "hockey", "surf"}
	weathers  = []string{"snow", "cold", "rain", "sun", "cloud", ""}
)

type record struct {
	ID      string         `json:"id"`
	Email   string         `json:"email"`
	Profile map[string]any `json:"profile"`
	Context map[string]any `json:"context,omitempty"`
}

// Write writes n lines of recipients to w. With BadEvery, some of the n
// lines are bad records, so fewer than n recipients are good.
func Write(w io.Writer, n int, o Options) error {
	if o.Prefix == "" {
		o.Prefix = "r"
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6f6d))
	bw := bufio.NewWriterSize(w, 64<<10)
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("%s%07d", o.Prefix, i)
		if o.OddEvery > 0 && i%o.OddEvery == 0 {
			id = fmt.Sprintf(".%s %d/%d%%", o.Prefix, i/1000, i%1000)
		}
		email := fmt.Sprintf("user%d@example.com", i)
		if o.BadEvery > 0 && i%o.BadEvery == 0 {
			var bad string
			switch (i / o.BadEvery) % 3 {
			case 0:
				bad = fmt.Sprintf(`{"id":%q,"email":%q,"profile":{"age":30,}}`, id, email)
			case 1:
				bad = fmt.Sprintf(`{"id":%q,"profile":{"age":30}}`, id)
			default:
				bad = fmt.Sprintf(`{"id":%q,"email":"not-an-address"}`, id)
			}
			if _, err := fmt.Fprintln(bw, bad); err != nil {
				return err
			}
			continue
		}
		b, err := json.Marshal(person(rng, id, email))
		if err != nil {
			return err
		}
		if _, err := bw.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// person draws one recipient.
func person(rng *rand.Rand, id, email string) record {
	pl := places[rng.IntN(len(places))]
	p := map[string]any{
		"firstName": firstNames[rng.IntN(len(firstNames))],
		"lastName":  lastNames[rng.IntN(len(lastNames))],
		"age":       14 + rng.IntN(67),
		"city":      pl.city,
		"country":   pl.country,
		"spend12m":  float64(rng.IntN(300000)) / 100,
		"hasKids":   rng.IntN(4) == 0,
	}
	if tier := tiers[rng.IntN(len(tiers))]; tier != "" {
		p["loyalty"] = map[string]any{"tier": tier, "points": rng.IntN(40000)}
	}
	var in []string
	for _, k := range rng.Perm(len(interests))[:rng.IntN(4)] {
		in = append(in, interests[k])
	}
	if in != nil {
		p["interests"] = in
	}
	r := record{ID: id, Email: email, Profile: p}
	if w := weathers[rng.IntN(len(weathers))]; w != "" {
		r.Context = map[string]any{"weather": w}
	}
	return r
}
