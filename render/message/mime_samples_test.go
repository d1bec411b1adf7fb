package message_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/render/message"
)

// sampleMessages renders every sample template for every sample profile
// through campaign, the production path, as the MIME writer gets them.
func sampleMessages(t *testing.T) map[string]message.Message {
	t.Helper()
	p, set, profiles, o := sampleProject(t)
	now := o.Now
	out := map[string]message.Message{}
	for _, tpl := range set.Templates() {
		for _, prof := range profiles {
			msg, _, err := p.Preview(context.Background(), tpl, prof.Recipient, o)
			if err != nil {
				continue // the golden files' business (a .error file)
			}
			from := msg.From
			if from == "" {
				from = render.DefaultFrom
			}
			out[tpl.Name()+"/"+prof.Name] = message.Message{
				From: from, ReplyTo: msg.ReplyTo, To: msg.To, Subject: msg.Subject, Date: now,
				MessageID: message.MessageID("preview/"+prof.Recipient.ID, from), Unsubscribe: msg.Unsubscribe,
				Headers: msg.Headers, HTML: msg.HTML, Text: msg.Text,
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no sample rendered")
	}
	return out
}

// TestMIMESamplesMatchLegacy: on every sample template × profile, the
// writer writes the bytes the go-mail encoder it replaced wrote, and what
// render.Message.WriteMIME writes.
func TestMIMESamplesMatchLegacy(t *testing.T) {
	for name, m := range sampleMessages(t) {
		got, err := m.AppendTo(nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := m.LegacyEncode()
		if err != nil {
			t.Fatalf("%s: legacy: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the writer differs from the legacy encoder:\n%s", name, message.FirstDiff(string(got), string(want)))
		}
	}
}

// hostileMessages are messages whose header text a careless writer would
// let a reader decode into a line break, or could not fold.
func hostileMessages() map[string]message.Message {
	base := message.Message{
		From: "Shop <shop@example.com>", To: "ann@example.org", Subject: "Hello",
		Date: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), MessageID: "<a.b@example.com>",
		HTML: "<p>Hi</p>\n", Text: "Hi\n",
	}
	inject := "=?utf-8?q?A=0D=0ABcc:_x@evil.example?="
	with := func(f func(m *message.Message)) message.Message {
		m := base
		f(&m)
		return m
	}
	return map[string]message.Message{
		"subject encoded word":      with(func(m *message.Message) { m.Subject = inject }),
		"subject glued":             with(func(m *message.Message) { m.Subject = "Hi" + inject + "there" }),
		"subject base64 word":       with(func(m *message.Message) { m.Subject = "=?UTF-8?B?QQ0KQmNjOiB4QGV2aWwuZXhhbXBsZQ==?=" }),
		"display name encoded word": with(func(m *message.Message) { m.From = (&mail.Address{Name: inject, Address: "shop@example.com"}).String() }),
		"display name q-safe word":  with(func(m *message.Message) { m.From = `"=?utf-8?q?Zo=C3=AB?=" <shop@example.com>` }),
		"extra header encoded word": with(func(m *message.Message) { m.Headers = [][2]string{{"X-Note", inject}} }),
		"unbreakable subject":       with(func(m *message.Message) { m.Subject = strings.Repeat("ab", 600) }),
		"unbreakable non-ASCII":     with(func(m *message.Message) { m.Subject = strings.Repeat("é", 600) }),
		"unbreakable extra":         with(func(m *message.Message) { m.Headers = [][2]string{{"X-Long", strings.Repeat("x", 2000)}} }),
		// A display name longer than one encoded word is left out: Python
		// 3.11 keeps the space between two encoded words of a display
		// name, which RFC 2047 §6.2 says to drop (net/mail drops it).
		"non-ASCII everything": with(func(m *message.Message) {
			m.From, m.ReplyTo, m.Subject = "Zoë Café <shop@example.com>", `"Müller, Hans" <h@example.com>`, "Été: 20 % de réduction"
			m.Headers = [][2]string{{"X-Note", "Grüße"}}
			m.Text, m.HTML = "Zoë\r\nline \n", "<p>Zoë = Café</p>"
		}),
	}
}

// pythonReads is a Python script that parses each message file it is given
// with the email package (the modern policy) and prints what it read, one
// JSON object a line.
const pythonReads = `
import email, email.policy, json, sys
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    out = {'names': list(msg.keys()), 'defects': [str(d) for d in msg.defects], 'text': {}, 'addrs': {}, 'parts': []}
    for name in msg.keys():
        if name in ('From', 'To', 'Reply-To'):
            a = msg[name].addresses
            out['addrs'][name] = [a[0].display_name, a[0].addr_spec] if len(a) == 1 else None
        else:
            out['text'][name] = str(msg[name])
    for part in msg.iter_parts():
        out['parts'].append(part.get_content().replace('\r\n', '\n'))
    print(json.dumps(out))
`

// TestMIMEPython has Python's email package read the sample and hostile
// messages: the fields written, decoded to the literal text, no defects.
func TestMIMEPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("OFFERMAIL_REQUIRE_ALL") == "1" {
			t.Fatalf("python3 not found and OFFERMAIL_REQUIRE_ALL=1: %v", err)
		}
		t.Skip("python3 not found; it checks the MIME output with another parser")
	}
	msgs := sampleMessages(t)
	for name, m := range hostileMessages() {
		msgs["hostile/"+name] = m
	}
	dir := t.TempDir()
	var names, paths []string
	for name, m := range msgs {
		raw, err := m.AppendTo(nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(name)+".eml")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		names, paths = append(names, name), append(paths, path)
	}
	out, err := exec.Command(python, append([]string{"-c", pythonReads}, paths...)...).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(names) {
		t.Fatalf("python3 printed %d lines for %d messages", len(lines), len(names))
	}
	for i, line := range lines {
		name, m := names[i], msgs[names[i]]
		var got struct {
			Names   []string
			Defects []string
			Text    map[string]string
			Addrs   map[string][]string
			Parts   []string
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Defects) > 0 {
			t.Errorf("%s: Python finds defects: %q", name, got.Defects)
		}
		want := message.FieldNames(m)
		if strings.Join(got.Names, " ") != strings.Join(want, " ") {
			t.Errorf("%s: Python reads fields %q, want %q", name, got.Names, want)
		}
		if got.Text["Subject"] != m.Subject {
			t.Errorf("%s: Python reads Subject %q, want %q", name, got.Text["Subject"], m.Subject)
		}
		for _, h := range m.Headers {
			if got.Text[h[0]] != h[1] {
				t.Errorf("%s: Python reads %s %q, want %q", name, h[0], got.Text[h[0]], h[1])
			}
		}
		for field, addr := range map[string]string{"From": m.From, "To": m.To, "Reply-To": m.ReplyTo} {
			if addr == "" {
				continue
			}
			a, err := mail.ParseAddress(addr)
			if err != nil {
				t.Fatal(err)
			}
			if w := []string{a.Name, a.Address}; strings.Join(got.Addrs[field], "|") != strings.Join(w, "|") {
				t.Errorf("%s: Python reads %s %q, want %q", name, field, got.Addrs[field], w)
			}
		}
		lf := strings.NewReplacer("\r\n", "\n", "\r", "\n")
		if len(got.Parts) != 2 || got.Parts[0] != lf.Replace(m.Text) || got.Parts[1] != lf.Replace(m.HTML) {
			t.Errorf("%s: Python reads the parts %q", name, got.Parts)
		}
	}
}
