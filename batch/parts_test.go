package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/offermail/offermail/batch/gen"
	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/recipients"
)

// mboxMessage is one message of an mboxrd file as a reader sees it.
type mboxMessage struct {
	from   string // the From_ line without "From " and its newline
	offset int    // where the message's (quoted) bytes start in the file
	raw    []byte // its quoted bytes, which the index measures
	data   []byte // the message, unquoted
}

// readMboxrd splits an mboxrd file as a reader written from the format's
// description (not from parts.go) does: a line that starts with "From "
// begins a message; the empty line before it ends the previous message
// and belongs to neither; a line of one or more '>' and then "From "
// loses one '>'.
func readMboxrd(t testing.TB, name string, data []byte) []mboxMessage {
	t.Helper()
	var msgs []mboxMessage
	var cur *mboxMessage
	end := func(at int) {
		if cur == nil {
			return
		}
		raw := data[cur.offset:at]
		if !bytes.HasSuffix(raw, []byte("\n\n")) {
			t.Errorf("%s: the message at byte %d does not end with an empty line", name, cur.offset)
		} else {
			raw = raw[:len(raw)-1]
		}
		cur.raw = raw
		for len(raw) > 0 {
			line := raw
			if i := bytes.IndexByte(raw, '\n'); i >= 0 {
				line = raw[:i+1]
			}
			if line[0] == '>' && bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
				cur.data = append(cur.data, line[1:]...)
			} else {
				cur.data = append(cur.data, line...)
			}
			raw = raw[len(line):]
		}
		msgs = append(msgs, *cur)
	}
	for off := 0; off < len(data); {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			t.Fatalf("%s: the last line has no newline", name)
		}
		line := data[off : off+i+1]
		switch {
		case bytes.HasPrefix(line, []byte("From ")):
			end(off)
			cur = &mboxMessage{from: string(line[5 : len(line)-1]), offset: off + len(line)}
		case cur == nil:
			t.Fatalf("%s does not start with a From_ line: %q", name, line)
		}
		off += len(line)
	}
	end(len(data))
	return msgs
}

func TestAppendMboxrd(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"From x\r\n", ">From x\r\n"},
		{"a\r\nFrom x\r\n>From y\r\n>>From z\r\n", "a\r\n>From x\r\n>>From y\r\n>>>From z\r\n"},
		{"Fromage\r\n From w\r\nFrom:\r\n>From\r\n", "Fromage\r\n From w\r\nFrom:\r\n>From\r\n"},
		{"a\nFrom q", "a\n>From q"},
	}
	for _, tt := range tests {
		if got := string(appendMboxrd([]byte("x"), []byte(tt.in))); got != "x"+tt.want {
			t.Errorf("appendMboxrd(%q) = %q, want %q", tt.in, got[1:], tt.want)
		}
	}
}

// sourceOrder is the ids of the good records of a recipients file, in
// order.
func sourceOrder(t testing.TB, path string) []string {
	t.Helper()
	r, c, err := recipients.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ids []string
	for {
		rec, rej, err := r.Next()
		if err == io.EOF {
			return ids
		}
		if err != nil {
			t.Fatal(err)
		}
		if rej == nil {
			ids = append(ids, rec.ID)
		}
	}
}

// checkPacked checks the parts and index of a packed run in out against
// want, the message files of the same run without packing (file name →
// bytes): the index lists the recipients in order, part after part of
// pack messages; each line's offset and length find the message a reader
// of the part's format finds there; and the message is the one the file
// would hold.
func checkPacked(t *testing.T, out string, format campaign.Format, pack int, want map[string][]byte, order []string, sender string) {
	t.Helper()
	dir := filepath.Join(out, messagesDir)
	var index []indexLine
	for i, line := range readLines(t, filepath.Join(dir, indexFile)) {
		var e indexLine
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("index.ndjson:%d: %v", i+1, err)
		}
		index = append(index, e)
	}
	var ids []string
	for _, e := range index {
		ids = append(ids, e.Recipient)
	}
	if !slices.Equal(ids, order) {
		t.Fatalf("index.ndjson lists %d recipients, want the %d of the source in its order\ngot  %q\nwant %q", len(ids), len(order), ids, order)
	}
	nparts := (len(index) + pack - 1) / pack
	ext := partExt(format)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names, wantNames []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for i := range nparts {
		wantNames = append(wantNames, fmt.Sprintf("part-%05d.%s", i+1, ext))
	}
	wantNames = append(wantNames, indexFile)
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("messages/ holds %q, want %q", names, wantNames)
	}

	for p := range nparts {
		name := fmt.Sprintf("part-%05d.%s", p+1, ext)
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		entries := index[p*pack : min(len(index), (p+1)*pack)]
		if format == campaign.EML {
			msgs := readMboxrd(t, name, data)
			if len(msgs) != len(entries) {
				t.Fatalf("%s holds %d messages, the index %d", name, len(msgs), len(entries))
			}
			for k, m := range msgs {
				e := entries[k]
				if e.Part != name || e.Offset != int64(m.offset) || e.Length != int64(len(m.raw)) {
					t.Errorf("index line of %s = %+v, want %s offset %d length %d", e.Recipient, e, name, m.offset, len(m.raw))
				}
				if w := want[FileName(e.Recipient, "eml")]; !bytes.Equal(m.data, w) {
					t.Errorf("%s in %s: the message is not the one its file holds\n got %.300q\nwant %.300q", e.Recipient, name, m.data, w)
				}
				if m.from != sender+" Wed Dec  2 09:00:00 2026" {
					t.Errorf("%s in %s: From_ line %q", e.Recipient, name, m.from)
				}
			}
			continue
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		if len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1]
		}
		if len(lines) != len(entries) {
			t.Fatalf("%s holds %d lines, the index %d", name, len(lines), len(entries))
		}
		off := 0
		for k, line := range lines {
			e := entries[k]
			if e.Part != name || e.Offset != int64(off) || e.Length != int64(len(line)-1) || line[len(line)-1] != '\n' {
				t.Errorf("index line of %s = %+v, want %s offset %d length %d", e.Recipient, e, name, off, len(line)-1)
			}
			off += len(line)
			var got map[string]any
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatalf("%s line %d: %v", name, k+1, err)
			}
			if got["recipient"] != e.Recipient {
				t.Errorf("%s line %d: recipient %v, want %s", name, k+1, got["recipient"], e.Recipient)
			}
			delete(got, "recipient")
			file := want[FileName(e.Recipient, string(format))]
			if format == campaign.HTML {
				if !reflect.DeepEqual(got, map[string]any{"html": string(file)}) {
					t.Errorf("%s line %d: %.200v, want the html of its file", name, k+1, got)
				}
				continue
			}
			var w map[string]any
			if err := json.Unmarshal(file, &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("%s line %d: %.200v, want the members of its file %.200v", name, k+1, got, w)
			}
		}
	}
}

// packedVsFiles runs cfg once with one file per message and once packed,
// each in its own directory and store, and checks the packed output;
// sender is the address the mbox From_ lines should name. It returns the
// message files of the run without packing.
func packedVsFiles(t *testing.T, cfg runConfig, pack int, sender string) map[string][]byte {
	t.Helper()
	if cfg.Format == "" {
		cfg.Format = campaign.EML
	}
	files := cfg
	files.Out = filepath.Join(t.TempDir(), "files")
	if _, err := runBatch(context.Background(), files); err != nil {
		t.Fatalf("Run with files: %v", err)
	}
	cfg.Pack = pack
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run packed: %v", err)
	}
	want := messageFiles(t, files.Out)
	if rep.Totals.Written != len(want) {
		t.Errorf("the packed run wrote %d messages, the other %d", rep.Totals.Written, len(want))
	}
	checkPacked(t, cfg.Out, cfg.Format, pack, want, sourceOrder(t, cfg.Recipients), sender)
	if got, want := sortedLines(t, cfg.Out), sortedLines(t, files.Out); !slices.Equal(got, want) {
		t.Errorf("the packed run's decisions differ from the other's")
	}
	return want
}

// sortedLines is decisions.ndjson, sorted.
func sortedLines(t testing.TB, out string) []string {
	var s []string
	for _, l := range readLines(t, filepath.Join(out, decisionsFile)) {
		s = append(s, string(l))
	}
	slices.Sort(s)
	return s
}

// TestPack: every format packs the messages it would write as files, in
// the order of the source, whatever order the workers finish in.
func TestPack(t *testing.T) {
	path := generated(t, 300, gen.Options{Seed: 5, BadEvery: 50, OddEvery: 13})
	for _, format := range []campaign.Format{campaign.EML, campaign.JSON, campaign.HTML} {
		t.Run(string(format), func(t *testing.T) {
			cfg := config(t, newsletter, path)
			cfg.Format, cfg.Workers, cfg.BatchSize = format, 4, 8
			packedVsFiles(t, cfg, 16, "news@northwind.example")
		})
	}
}

// fromLines is a template whose text part has lines that start with
// "From ", which mboxrd must quote.
const fromLines = `---
subject: From us, {{profile.firstName}}
from: The Team <team@example.com>
---
<p>Hello {{profile.firstName}},</p>
<pre>
From the team
>From a quote
>>From a quote of a quote
</pre>
`

// TestPackQuotes: lines of a message that look like From_ lines are
// quoted, and a reader unquotes them to the message's bytes.
func TestPackQuotes(t *testing.T) {
	tpl := writeTemplate(t, "from.hbs", fromLines)
	cfg := config(t, tpl, generated(t, 40, gen.Options{Seed: 9}))
	packedVsFiles(t, cfg, 7, "team@example.com")
	data, err := os.ReadFile(filepath.Join(cfg.Out, messagesDir, "part-00001.mbox"))
	if err != nil {
		t.Fatal(err)
	}
	for _, quoted := range []string{"\n>From the team", "\n>>From a quote\r", "\n>>>From a quote of"} {
		if !bytes.Contains(data, []byte(quoted)) {
			t.Errorf("part-00001.mbox has no %q", quoted)
		}
	}
}

// TestAppendMboxrdLines checks appendMboxrd, which looks for "From ", with
// the rule applied line by line, on random text made of the pieces that
// matter.
func TestAppendMboxrdLines(t *testing.T) {
	byLine := func(dst, msg []byte) []byte {
		for len(msg) > 0 {
			line := msg
			if i := bytes.IndexByte(msg, '\n'); i >= 0 {
				line = msg[:i+1]
			}
			if rest := bytes.TrimLeft(line, ">"); bytes.HasPrefix(rest, []byte("From ")) {
				dst = append(dst, '>')
			}
			dst = append(dst, line...)
			msg = msg[len(line):]
		}
		return dst
	}
	pieces := []string{"From ", "From", ">", ">>", "\n", "\r\n", "a", " ", "F", "rom "}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var in []byte
		for range rng.IntN(12) {
			in = append(in, pieces[rng.IntN(len(pieces))]...)
		}
		if got, want := appendMboxrd([]byte("x"), in), byLine([]byte("x"), in); !bytes.Equal(got, want) {
			t.Fatalf("appendMboxrd(%q) = %q, want %q", in, got[1:], want[1:])
		}
	}
}

// TestAppendIndexLine checks the index line against json.Marshal, also
// for ids that JSON escapes.
func TestAppendIndexLine(t *testing.T) {
	for _, id := range []string{"u-1", "", `a"b`, `a\b`, "<&>", "é", "\x01", "\u2028", "a\xffb", "~"} {
		e := indexLine{Recipient: id, Part: "part-00001.mbox", Offset: 12345678901, Length: 7}
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendIndexLine([]byte("x"), e)
		if err != nil || string(got[1:]) != string(want) {
			t.Errorf("appendIndexLine(%q) = %s, %v; want %s", id, got[1:], err, want)
		}
	}
}
