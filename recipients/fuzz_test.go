package recipients

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/offermail/offermail/diag"
)

// addSeeds adds every sample file with one of exts, whole and line by line.
func addSeeds(f *testing.F, exts ...string) {
	for _, ext := range exts {
		files, _ := filepath.Glob(filepath.Join(sampleDir, "*"+ext))
		if len(files) == 0 {
			f.Fatalf("no %s seed files in %s", ext, sampleDir)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			for _, line := range bytes.Split(data, []byte("\n")) {
				f.Add(line)
			}
		}
	}
}

// checkStream drains r and checks what holds for any input: Next ends
// with io.EOF after finitely many calls, each call yields exactly one of a
// record or a reject, lines go forward, and every record passes the
// record checks with no id twice.
func checkStream(t *testing.T, r Reader, maxResults int) (results int) {
	lastLine := 0
	ids := make(map[string]bool)
	for {
		rec, rej, err := r.Next()
		if err == io.EOF {
			return results
		}
		if err != nil {
			var e *diag.Error
			if !errors.As(err, &e) {
				t.Fatalf("Next() error = %v, want io.EOF or an *Error", err)
			}
			return results
		}
		if results++; results > maxResults {
			t.Fatalf("Next() gave more than %d results", maxResults)
		}
		line := 0
		switch {
		case (rec == nil) == (rej == nil):
			t.Fatalf("Next() = %v, %v; want exactly one of record and reject", rec, rej)
		case rec != nil:
			line = rec.Line
			if reason := checkID(rec.ID); reason != "" {
				t.Fatalf("record on line %d has a bad id: %s", line, reason)
			}
			if reason := checkEmail(rec.Email); reason != "" {
				t.Fatalf("record on line %d has a bad email: %s", line, reason)
			}
			if rec.Profile == nil || rec.Context == nil {
				t.Fatalf("record on line %d: Profile, Context = %v, %v; want non-nil", line, rec.Profile, rec.Context)
			}
			if ids[rec.ID] {
				t.Fatalf("record on line %d repeats id %q", line, rec.ID)
			}
			ids[rec.ID] = true
		default:
			line = rej.Line
			if rej.Reason == "" {
				t.Fatalf("reject on line %d has no reason", line)
			}
		}
		if line <= lastLine {
			t.Fatalf("result on line %d after line %d; want lines to go forward", line, lastLine)
		}
		lastLine = line
	}
}

func FuzzNDJSON(f *testing.F) {
	addSeeds(f, ".ndjson")
	f.Add([]byte("{\"id\":1,\"email\":\"a@b.c\"}\n\n{\"id\":\"1\",\"email\":\"a@b.c\"}"))
	f.Add([]byte("\xEF\xBB\xBF{\"id\":\"a\",\"email\":\"<a@b.c>\",\"profle\":{}}\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A small limit, so that long-line handling is exercised too.
		results := checkStream(t, NewNDJSON(bytes.NewReader(data), WithMaxLineBytes(64)), len(data)+1)

		// Nothing is dropped: every line that is not blank gives exactly
		// one result.
		want := 0
		for i, line := range bytes.Split(data, []byte("\n")) {
			if i == 0 {
				line = bytes.TrimPrefix(line, utf8BOM)
			}
			if !isBlank(line) {
				want++
			}
		}
		if results != want {
			t.Fatalf("%d results for %d non-blank lines", results, want)
		}
	})
}

func FuzzCSV(f *testing.F) {
	addSeeds(f, ".csv")
	f.Add([]byte("id,email,a.b,context.c\n1,a@b.c,\"x\ny\",2\n1,a@b.c\n"))
	f.Add([]byte("\xEF\xBB\xBFid,email\r\n\"u\"\"1\",a@b.c\r\nu2,\"a@b.c"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewCSV(bytes.NewReader(data), WithMaxLineBytes(256))
		if err != nil {
			var e *diag.Error
			if !errors.As(err, &e) {
				t.Fatalf("NewCSV() error = %v, want a *diag.Error", err)
			}
			return
		}
		// Each row is at least one byte, so len(data) bounds the results.
		checkStream(t, r, len(data))
	})
}

// FuzzProfile checks that a profile either parses into a record that
// passes the checks or fails with a position inside the file.
func FuzzProfile(f *testing.F) {
	addSeeds(f, ".ndjson", ".json")
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := ParseProfile("p.json", data)
		if err != nil {
			var e *diag.Error
			if !errors.As(err, &e) || e.Line < 1 || e.Col < 1 || e.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("ParseProfile() error = %#v, want a *diag.Error with a position in the file", err)
			}
			return
		}
		if checkID(rec.ID) != "" || checkEmail(rec.Email) != "" || rec.Profile == nil || rec.Context == nil {
			t.Fatalf("ParseProfile() = %+v, which fails the record checks", rec)
		}
	})
}
