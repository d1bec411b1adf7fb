package recipients

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sampleDir holds the shared sample files, relative to this package.
const sampleDir = "../testdata/recipients"

func TestOpen(t *testing.T) {
	const ndjson = `{"id":"u1","email":"a@example.com"}` + "\n" + `{"id":"u1","email":"b@example.com"}` + "\n"
	const csv = "id,email\nu1,a@example.com\nu1,b@example.com\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csv))
	zw.Close()

	tests := []struct {
		name, content string
		want          []result
	}{
		{"r.ndjson", ndjson, []result{{line: 1, id: "u1"}, {line: 2, id: "u1", reason: duplicateReason("u1", 1)}}},
		{"r.JSONL", ndjson, []result{{line: 1, id: "u1"}, {line: 2, id: "u1", reason: duplicateReason("u1", 1)}}},
		{"r.csv", csv, []result{{line: 2, id: "u1"}, {line: 3, id: "u1", reason: duplicateReason("u1", 2)}}},
		{"r.csv.gz", gz.String(), []result{{line: 2, id: "u1"}, {line: 3, id: "u1", reason: duplicateReason("u1", 2)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c, err := Open(writeFile(t, tt.name, tt.content))
			if err != nil {
				t.Fatalf("Open() error = %v", err)
			}
			_, got := readAll(t, r)
			if err := c.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
			if len(got) != len(tt.want) || got[0] != tt.want[0] || got[1] != tt.want[1] {
				t.Errorf("results = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOpenOptions(t *testing.T) {
	path := writeFile(t, "r.ndjson", `{"id":"u1","email":"a@example.com"}`+"\n"+`{"id":"u1","email":"b@example.com"}`+"\n")
	r, c, err := Open(path, WithDuplicateCheck(false))
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	defer c.Close()
	if recs, got := readAll(t, r); len(recs) != 2 {
		t.Errorf("Open(WithDuplicateCheck(false)) results = %v, want two records", got)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	badHeader := writeFile(t, "h.csv", "id,mail\nu1,a@example.com\n")
	notGzip := writeFile(t, "n.ndjson.gz", "plain text")
	tests := []struct {
		path string
		want string
		is   error
	}{
		{"recipients.txt", `open recipients "recipients.txt": unknown recipients file format ".txt"; use .ndjson, .jsonl, .json (one object per line) or .csv, optionally .gz`, ErrFormat},
		{"recipients", `unknown recipients file format ""`, ErrFormat},
		{"r.xml", `unknown recipients file format ".xml"`, ErrFormat},
		{filepath.Join(dir, "missing.ndjson"), "open recipients: open ", os.ErrNotExist},
		{filepath.Join(dir, "d.csv"), "is a directory", nil},
		{badHeader, badHeader + `:1:1: missing email column`, nil},
		{notGzip, "gzip: invalid header", nil},
	}
	for _, tt := range tests {
		r, c, err := Open(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("Open(%q) error = %v, want one containing %q", tt.path, err, tt.want)
		}
		if r != nil || c != nil {
			t.Errorf("Open(%q) = %v, %v with an error, want nil, nil", tt.path, r, c)
		}
	}
}

func TestOpenStdin(t *testing.T) {
	f := writeFile(t, "in.ndjson", `{"id":"u1","email":"a@example.com"}`+"\n")
	in, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	saved := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = saved }()

	r, c, err := Open("-")
	if err != nil {
		t.Fatalf(`Open("-") error = %v`, err)
	}
	recs, got := readAll(t, r)
	if len(recs) != 1 || recs[0].ID != "u1" {
		t.Errorf(`Open("-") results = %v, want record u1`, got)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	// Closing must leave standard input open for others.
	if _, err := in.Stat(); err != nil {
		t.Errorf("stdin after Close: %v, want it open", err)
	}
}

// The sample files are demo material: each must show good records and
// exactly the rejects it was written to show.
func TestSampleFiles(t *testing.T) {
	tests := []struct {
		file    string
		records int
		rejects []string
	}{
		{"sample.ndjson", 20, []string{
			`line 16 (id "u-1015"): col 86: malformed JSON`,
			`line 18 (id "u-1017"): invalid email "not-an-email"`,
		}},
		{"sample.csv", 9, []string{
			`line 12 (id "c-2010"): email "Leo Müller <leo.muller@example.de>" has a display name`,
			`line 13 (id "c-2011"): row has 12 cells but the header has 13`,
		}},
	}
	for _, tt := range tests {
		r, c, err := Open(filepath.Join(sampleDir, tt.file))
		if err != nil {
			t.Fatalf("Open(%s) error = %v", tt.file, err)
		}
		var rejects []string
		records := 0
		for {
			rec, rej, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: Next() error = %v", tt.file, err)
			}
			if rec != nil {
				records++
				continue
			}
			rejects = append(rejects, rej.String())
		}
		c.Close()
		if records != tt.records || len(rejects) != len(tt.rejects) {
			t.Errorf("%s: %d records, rejects %q; want %d records, %d rejects", tt.file, records, rejects, tt.records, len(tt.rejects))
			continue
		}
		for i, want := range tt.rejects {
			if !strings.HasPrefix(rejects[i], want) {
				t.Errorf("%s: reject %d = %q, want it to start %q", tt.file, i, rejects[i], want)
			}
		}
	}
}

// TestOpenJSONExtension: a .json file is read as NDJSON, one object per
// line.
func TestOpenJSONExtension(t *testing.T) {
	path := filepath.Join(t.TempDir(), "people.json")
	if err := os.WriteFile(path, []byte(`{"id":"a","email":"a@example.com"}`+"\n"+`{"id":"b","email":"b@example.com"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ids []string
	for {
		rec, rej, err := r.Next()
		if err != nil {
			break
		}
		if rej != nil {
			t.Fatalf("Next() reject %v", rej)
		}
		ids = append(ids, rec.ID)
	}
	if strings.Join(ids, ",") != "a,b" {
		t.Errorf("read ids %v, want [a b]", ids)
	}
}
