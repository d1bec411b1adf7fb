package recipients

import (
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/offermail/offermail/internal/cputime"
)

// A realistic NDJSON record of about 300 bytes; %d becomes a fresh id.
const benchNDJSON = `{"id":"u-%d","email":"maya.chen@example.com","profile":{"firstName":"Maya","lastName":"Chen","age":34,` +
	`"loyalty":{"tier":"gold","points":12840},"city":"Portland","country":"US","interests":["running","trail"],` +
	`"spend12m":1840.5,"lastOrder":"2026-05-14","optIn":true},"context":{"weather":"snow","channel":"email"}}` + "\n"

// The same recipient as a CSV row.
const (
	benchCSVHeader = "id,email,firstName,lastName,age,loyalty.tier,loyalty.points,city,country,spend12m,lastOrder,optIn,context.weather\n"
	benchCSVRow    = "u-%d,maya.chen@example.com,Maya,Chen,34,gold,12840,Portland,US,1840.5,2026-05-14,true,snow\n"
)

// genReader yields an endless stream of records made from a template with
// a counter for the id, so that the duplicate check sees distinct ids and
// the input costs no allocation.
type genReader struct {
	prefix, suffix []byte
	n              int
	line, rest     []byte
}

func newGenReader(template string) *genReader {
	prefix, suffix, _ := strings.Cut(template, "%d")
	return &genReader{prefix: []byte(prefix), suffix: []byte(suffix)}
}

func (g *genReader) Read(p []byte) (int, error) {
	if len(g.rest) == 0 {
		g.n++
		g.line = append(strconv.AppendInt(append(g.line[:0], g.prefix...), int64(g.n), 10), g.suffix...)
		g.rest = g.line
	}
	n := copy(p, g.rest)
	g.rest = g.rest[n:]
	return n, nil
}

func benchReader(b *testing.B, r Reader, recordBytes int) {
	b.ReportAllocs()
	b.SetBytes(int64(recordBytes))
	n := 0
	defer cputime.Report(b)()
	for b.Loop() {
		rec, rej, err := r.Next()
		if err != nil || rej != nil || rec == nil {
			b.Fatalf("Next() = %v, %v, %v; want a record", rec, rej, err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkNDJSON reads one ~300-byte record per op.
func BenchmarkNDJSON(b *testing.B) {
	size := len(strings.Replace(benchNDJSON, "%d", "1000000", 1))
	for _, dup := range []bool{true, false} {
		b.Run("dupcheck="+strconv.FormatBool(dup), func(b *testing.B) {
			benchReader(b, NewNDJSON(newGenReader(benchNDJSON), WithDuplicateCheck(dup)), size)
		})
	}
}

// BenchmarkCSV reads one row with the same fields per op.
func BenchmarkCSV(b *testing.B) {
	size := len(strings.Replace(benchCSVRow, "%d", "1000000", 1))
	for _, dup := range []bool{true, false} {
		b.Run("dupcheck="+strconv.FormatBool(dup), func(b *testing.B) {
			in := io.MultiReader(strings.NewReader(benchCSVHeader), newGenReader(benchCSVRow))
			r, err := NewCSV(in, WithDuplicateCheck(dup))
			if err != nil {
				b.Fatal(err)
			}
			benchReader(b, r, size)
		})
	}
}

// BenchmarkDupSet measures the memory the duplicate check keeps per id.
func BenchmarkDupSet(b *testing.B) {
	b.ReportAllocs()
	d := newDupSet()
	var id []byte
	i := 0
	for b.Loop() {
		i++
		id = strconv.AppendInt(append(id[:0], "u-"...), int64(i), 10)
		d.add(string(id), i)
	}
}
