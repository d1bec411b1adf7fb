package message

import (
	"bytes"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// decoded is a message as a reader sees it: header fields unfolded and
// decoded (RFC 2047), addresses parsed, bodies decoded with line breaks
// as LF.
type decoded struct {
	names   []string          // field names in order
	text    map[string]string // Subject and extra fields, decoded (the last value of a name)
	all     map[string][]string
	addrs   map[string]mail.Address
	parts   []part
	rawHead string
}

func decode(t *testing.T, raw []byte) decoded {
	t.Helper()
	msg, parts := parse(t, raw)
	d := decoded{names: headerNames(raw), text: map[string]string{}, all: map[string][]string{}, addrs: map[string]mail.Address{}, parts: parts}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	d.rawHead = string(head)
	dec := new(mime.WordDecoder)
	for name, values := range msg.Header {
		switch name {
		case "From", "To", "Reply-To":
			list, err := msg.Header.AddressList(name)
			if err != nil || len(list) != 1 {
				t.Fatalf("%s: %q does not parse as one address: %v", name, values, err)
			}
			d.addrs[name] = *list[0]
		default:
			for _, value := range values {
				v, err := dec.DecodeHeader(value)
				if err != nil {
					t.Fatalf("%s: %q does not decode: %v", name, values, err)
				}
				d.text[name] = v
				d.all[name] = append(d.all[name], v)
			}
		}
	}
	return d
}

// checkDecodes checks that a reader gets m back from raw: the literal
// subject, display names and extra values, the addresses, the bodies, and
// no field that m did not ask for.
func checkDecodes(t *testing.T, m Message, raw []byte) {
	t.Helper()
	d := decode(t, raw)
	want := fieldNames(m)
	if got := strings.Join(d.names, " "); got != strings.Join(want, " ") {
		t.Fatalf("fields = %s\nwant %s\n%s", got, strings.Join(want, " "), d.rawHead)
	}
	if got := d.text["Subject"]; !literal(got, m.Subject) {
		t.Errorf("Subject decodes to %q, want %q\n%s", got, m.Subject, d.rawHead)
	}
	seen := map[string]int{}
	for _, h := range m.Headers {
		name := textproto.CanonicalMIMEHeaderKey(h[0])
		k := seen[name]
		seen[name]++
		if got := d.all[name]; k >= len(got) || !literal(got[k], h[1]) {
			t.Errorf("%s decodes to %q, want %q (value %d)\n%s", h[0], got, h[1], k+1, d.rawHead)
		}
	}
	for name, addr := range map[string]string{"From": m.From, "To": m.To, "Reply-To": m.ReplyTo} {
		if addr == "" {
			continue
		}
		a, err := mail.ParseAddress(addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.addrs[name]; got != *a {
			t.Errorf("%s reads as %q <%s>, want %q <%s>\n%s", name, got.Name, got.Address, a.Name, a.Address, d.rawHead)
		}
	}
	if len(d.parts) != 2 || d.parts[0].body != lf(m.Text) || d.parts[1].body != lf(m.HTML) {
		t.Errorf("bodies do not decode to the message's text and HTML: %q", d.parts)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > maxLine {
			t.Fatalf("line %d has %d octets", i+1, len(line))
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, line)
		}
	}
}

// literal reports whether a header value decoded to what was written:
// exactly, or, for a value written as it is, without the white space
// around it, which readers trim.
func literal(got, value string) bool {
	return got == value || plainText(value) && got == strings.Trim(value, " \t")
}

// fieldNames lists the fields WriteTo writes for m, in order.
func fieldNames(m Message) []string {
	names := []string{"From"}
	if m.ReplyTo != "" {
		names = append(names, "Reply-To")
	}
	names = append(names, "To", "Subject", "Date", "Message-ID", "MIME-Version")
	if m.Unsubscribe != "" {
		names = append(names, "List-Unsubscribe")
		if oneClick, _ := checkUnsubscribe(m.Unsubscribe); oneClick {
			names = append(names, "List-Unsubscribe-Post")
		}
	}
	for _, h := range m.Headers {
		names = append(names, h[0])
	}
	return append(names, "Content-Type")
}

// lf is s with every line break written as LF, as parse returns bodies.
func lf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// TestWriteToEncodedWords: text shaped like an encoded word, in the
// subject, a display name or an extra header, reads back literally, not
// as what it would decode to (a line break and a Bcc field, here).
func TestWriteToEncodedWords(t *testing.T) {
	hostile := []string{
		"=?utf-8?q?A=0D=0ABcc:_x@evil.example?=",
		"=?UTF-8?B?QQ0KQmNjOiB4QGV2aWwuZXhhbXBsZQ==?=",
		"Hi =?utf-8?q?=0D=0A?= there",
		"glued=?utf-8?q?=0A?=to text",
		"=?iso-8859-1?q?caf=E9?=",
	}
	for _, v := range hostile {
		for _, set := range []func(m *Message){
			func(m *Message) { m.Subject = v },
			func(m *Message) { m.From = (&mail.Address{Name: v, Address: "shop@example.com"}).String() },
			func(m *Message) { m.ReplyTo = (&mail.Address{Name: v, Address: "help@example.com"}).String() },
			func(m *Message) { m.Headers = [][2]string{{"X-Note", v}} },
		} {
			m := sample()
			set(&m)
			raw := write(t, m)
			checkDecodes(t, m, raw)
			if bytes.Contains(raw, []byte(v)) {
				t.Errorf("%q is written as it is:\n%s", v, raw)
			}
		}
	}
	// What is not shaped like an encoded word stays as it is.
	m := sample()
	m.Subject = "Is 2+2 four?= Yes. =?"
	if raw := write(t, m); !bytes.Contains(raw, []byte("Subject: Is 2+2 four?= Yes. =?\r\n")) {
		t.Errorf("subject was encoded:\n%s", raw)
	}
}

// TestWriteToUnbreakable: a subject or header value with a word too long
// for a line of 998 octets is written as encoded words, which fold.
func TestWriteToUnbreakable(t *testing.T) {
	for _, n := range []int{998, 999, 1000, 5000} {
		long := strings.Repeat("a", n)
		m := sample()
		m.Subject = long
		m.Headers = [][2]string{{"X-Long", "see " + long + "é"}}
		m.From = `"` + strings.Repeat("N", 1200) + `" <shop@example.com>`
		raw := write(t, m)
		checkDecodes(t, m, raw)
		for i, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 78 {
				t.Fatalf("%d octets: line %d has %d octets, want at most 78: %.50q…", n, i+1, len(line), line)
			}
		}
	}
	// A word that fits a line of 998 octets stays as it is, folded onto a
	// line of its own.
	m := sample()
	m.Subject = "x " + strings.Repeat("a", 997)
	raw := write(t, m)
	if !bytes.Contains(raw, []byte("Subject: x\r\n "+strings.Repeat("a", 997)+"\r\n")) {
		t.Errorf("a 997-octet word is not written as it is:\n%.300s", raw)
	}
	checkDecodes(t, m, raw)
}

// FuzzHeaderText: whatever a subject, display name or extra value holds
// (but CR and LF, which are refused), a reader gets it back literally and
// the message has no other fields.
//
//	go test ./render/message -run '^$' -fuzz FuzzHeaderText
func FuzzHeaderText(f *testing.F) {
	for _, s := range []string{"Hello", "Zoë", "=?utf-8?q?A=0D=0ABcc:_x@evil.example?=", strings.Repeat("a", 1000), "a  b\t", `"\`} {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, subject, name, extra string) {
		m := sample()
		m.Subject = subject
		m.From = (&mail.Address{Name: name, Address: "shop@example.com"}).String()
		m.Headers = [][2]string{{"X-Note", extra}}
		raw, err := m.AppendTo(nil)
		if strings.ContainsAny(subject+extra, "\r\n") || strings.ContainsAny(name, "\r\n") {
			if err == nil {
				t.Fatalf("a CR or LF was written:\n%s", raw)
			}
			return
		}
		if _, perr := mail.ParseAddress(m.From); perr != nil {
			return // net/mail cannot read its own output for this name
		}
		if err != nil {
			t.Fatalf("AppendTo: %v", err)
		}
		checkDecodes(t, m, raw)
	})
}
