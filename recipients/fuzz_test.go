package recipients

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

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

// FuzzCSVHeader checks the header's field tree against the obvious
// pairwise rule: a header is accepted exactly when no two columns of one
// target name the same field or a field and one inside it, and a conflict
// is reported at the first column that has one. Cells are split on commas
// (FuzzCSV covers quoting).
func FuzzCSVHeader(f *testing.F) {
	f.Add("id,email,a.b,context.a.b,profile.a.c")
	f.Add("id,email,loyalty.tier,loyalty")
	f.Add("id,email,a,profile.a")
	f.Add("email,id,a.b.c,a.b")
	f.Add("id,email," + strings.Repeat("a.", 120) + "a")
	f.Add("id,email,context." + strings.Repeat("x.", 98) + "x,profile.x")
	f.Fuzz(func(t *testing.T, header string) {
		cells := strings.Split(header, ",")
		pos := func(i int) (int, int) { return 1, i + 1 }
		cols, idCol, emailCol, err := parseHeader(cells, pos, "h.csv")
		firstConflict := -1
		for i := range cells {
			if pairConflict(cells[:i+1]) {
				firstConflict = i
				break
			}
		}
		if err != nil {
			var e *diag.Error
			if !errors.As(err, &e) || e.Line != 1 || e.Col < 1 || e.Col > len(cells) {
				t.Fatalf("parseHeader(%q) error = %#v, want a *diag.Error at a column of the header", header, err)
			}
			if strings.Contains(e.Msg, "same field") || strings.Contains(e.Msg, "conflicts with") {
				if e.Col-1 != firstConflict {
					t.Fatalf("parseHeader(%q) error = %v; want the first conflict at column %d", header, err, firstConflict+1)
				}
			} else if firstConflict >= 0 && firstConflict < e.Col-1 {
				t.Fatalf("parseHeader(%q) error = %v; want the conflict at column %d first", header, err, firstConflict+1)
			}
			return
		}
		if firstConflict >= 0 {
			t.Fatalf("parseHeader(%q) accepted a header whose column %d conflicts", header, firstConflict+1)
		}
		if len(cols) != len(cells) || cols[idCol].target != toID || cols[emailCol].target != toEmail {
			t.Fatalf("parseHeader(%q) = %v, %d, %d; want one column per cell with id and email", header, cols, idCol, emailCol)
		}
		for _, c := range cols {
			if (c.target == toProfile || c.target == toContext) && (len(c.path) == 0 || len(c.path) > maxHeaderDepth) {
				t.Fatalf("parseHeader(%q): column %q has a path of %d names", header, c.header, len(c.path))
			}
		}
	})
}

// pairConflict reports whether the last cell's field is equal to, inside
// or around the field of an earlier cell of the same target (profile or
// context). Cells that are not fields (id, email, invalid names) are no
// conflict.
func pairConflict(cells []string) bool {
	field := func(cell string) (string, []string, bool) {
		h := strings.TrimSpace(cell)
		if h == "id" || h == "email" || h == "" || !utf8.ValidString(h) {
			return "", nil, false
		}
		path := strings.Split(h, ".")
		target := "profile"
		if path[0] == "profile" || path[0] == "context" {
			target, path = path[0], path[1:]
		}
		if len(path) == 0 || len(path) > maxHeaderDepth || slices.Contains(path, "") {
			return "", nil, false
		}
		return target, path, true
	}
	lt, last, ok := field(cells[len(cells)-1])
	if !ok {
		return false
	}
	for _, cell := range cells[:len(cells)-1] {
		t, path, ok := field(cell)
		if !ok || t != lt {
			continue
		}
		n := min(len(path), len(last))
		if slices.Equal(path[:n], last[:n]) {
			return true
		}
	}
	return false
}
