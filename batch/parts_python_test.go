package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/offermail/offermail/batch/gen"
)

// pythonMbox has Python's mailbox.mbox read each part given: per message
// a line of JSON with its From_ line, Message-ID and To as the email
// package parses them, and the SHA-256 of its bytes once mboxrd's quoting
// is undone (mailbox.mbox splits messages but leaves ">From " as it is).
const pythonMbox = `
import hashlib, json, mailbox, re, sys
for path in sys.argv[1:]:
    box = mailbox.mbox(path, create=False)
    for key in box.keys():
        msg = box[key]
        raw = re.sub(rb'(?m)^>(>*From )', rb'\1', box.get_bytes(key))
        print(json.dumps({'part': path.rsplit('/', 1)[-1], 'from': msg.get_from(), 'id': msg['Message-ID'],
                          'to': msg['To'], 'sha256': hashlib.sha256(raw).hexdigest()}))
`

// TestPackPython: Python's mailbox module reads every message of the
// parts, in the index's order, with the bytes of the message's file.
func TestPackPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("OFFERMAIL_REQUIRE_ALL") == "1" {
			t.Fatalf("python3 not found and OFFERMAIL_REQUIRE_ALL=1: %v", err)
		}
		t.Skip("python3 not found; it reads the mbox parts with another parser")
	}
	cfg := config(t, writeTemplate(t, "from.hbs", fromLines), generated(t, 30, gen.Options{Seed: 11, OddEvery: 7}))
	files := packedVsFiles(t, cfg, 7, "team@example.com")
	parts, _ := filepath.Glob(filepath.Join(cfg.Out, messagesDir, "part-*.mbox"))
	if len(parts) != 5 {
		t.Fatalf("%d parts, want 5 (30 messages, 7 a part)", len(parts))
	}
	out, err := exec.Command(python, append([]string{"-c", pythonMbox}, parts...)...).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	index := readLines(t, filepath.Join(cfg.Out, messagesDir, indexFile))
	if len(got) != len(index) {
		t.Fatalf("Python reads %d messages, the index lists %d", len(got), len(index))
	}
	for i, line := range got {
		var m struct{ Part, From, ID, To, SHA256 string }
		var e indexLine
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(index[i], &e); err != nil {
			t.Fatal(err)
		}
		file := files[FileName(e.Recipient, "eml")]
		sum := sha256.Sum256(file)
		if m.Part != e.Part || m.From != "team@example.com Wed Dec  2 09:00:00 2026" || m.SHA256 != hex.EncodeToString(sum[:]) ||
			!strings.Contains(string(file), "\r\nMessage-ID: "+m.ID+"\r\n") || !strings.Contains(string(file), "\r\nTo: "+m.To+"\r\n") {
			t.Errorf("Python's message %d = %+v; want %s's message in %s, from team@example.com, SHA-256 %x", i+1, m, e.Recipient, e.Part, sum)
		}
	}
}
