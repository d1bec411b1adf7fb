package recipients

import (
	"errors"
	"strings"
	"testing"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/internal/boundtest"
)

// TestCSVDeepHeader: a 120 KB header of one field 60,000 levels deep
// (issue 13, item 1) used 6.7 GB, a key per prefix; it is refused at the
// column, within a memory ceiling, and headers up to the limit cost memory
// in proportion to their length.
func TestCSVDeepHeader(t *testing.T) {
	deep := strings.Repeat("a.", 59999) + "a"
	tests := []struct {
		name, header, want string
	}{
		{"60,000 levels", "id,email," + deep, "in.csv:1:10: column 3 names a field 60000 levels deep; at most 99 levels are allowed"},
		{"100 levels", "id,email,x," + strings.Repeat("b.", 99) + "b", "in.csv:1:12: column 4 names a field 100 levels deep"},
		{"context prefix not counted", "id,email,context." + strings.Repeat("c.", 100) + "c", "in.csv:1:10: column 3 names a field 101 levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			var bytes uint64
			boundtest.Within(t, func() {
				bytes = boundtest.Allocated(func() {
					_, err = NewCSV(strings.NewReader(tt.header+"\nu1,a@example.com,x,y\n"), WithName("in.csv"))
				})
			})
			var e *diag.Error
			if !errors.As(err, &e) || e.Code != diag.Limit || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("NewCSV(…) error = %v, want a diag.Limit error starting %q", err, tt.want)
			}
			// The reader's buffers and a copy or two of the header.
			if limit := uint64(1<<20 + 8*len(tt.header)); bytes > limit {
				t.Errorf("NewCSV(…) allocated %d bytes, want at most %d", bytes, limit)
			}
		})
	}

	// At the limit: 99 levels is a record 100 deep, as a JSON record may be.
	path := strings.Repeat("a.", 98) + "a"
	r, err := NewCSV(strings.NewReader("id,email,profile."+path+"\nu1,a@example.com,7\n"), WithName("in.csv"))
	if err != nil {
		t.Fatalf("NewCSV(99 levels) error = %v", err)
	}
	recs, got := readAll(t, r)
	if len(recs) != 1 {
		t.Fatalf("results = %v, want one record", got)
	}
	var v any = recs[0].Profile
	for range 99 {
		v = v.(map[string]any)["a"]
	}
	if v != 7.0 {
		t.Errorf("profile.%s = %v, want 7", path, v)
	}
}

// TestCSVManyColumns: a header of many dotted columns costs memory in
// proportion to its length, not to columns times depth squared.
func TestCSVManyColumns(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,email")
	for i := range 2000 {
		b.WriteString(",")
		b.WriteString(strings.Repeat("n.", 98))
		b.WriteString("c" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)))
	}
	header := b.String()
	var err error
	var bytes uint64
	boundtest.Within(t, func() {
		bytes = boundtest.Allocated(func() {
			_, err = NewCSV(strings.NewReader(header+"\n"), WithName("in.csv"), WithMaxLineBytes(1<<20))
		})
	})
	if err != nil {
		t.Fatalf("NewCSV(2,000 columns 99 deep) error = %v", err)
	}
	if limit := uint64(4<<20 + 16*len(header)); bytes > limit {
		t.Errorf("NewCSV(…) allocated %d bytes for a %d-byte header, want at most %d", bytes, len(header), limit)
	}
}
