package message

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/mail"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"time"
)

// legacyDiffers says why the writer's bytes may differ from the legacy
// encoder's for m, or "" when they must not.
func legacyDiffers(m Message) string {
	texts := []string{m.Subject}
	for _, h := range m.Headers {
		texts = append(texts, h[1])
	}
	for _, a := range []string{m.From, m.ReplyTo} {
		if p, err := mail.ParseAddress(a); err == nil {
			texts = append(texts, p.Name)
		}
	}
	for _, s := range texts {
		if mayDecode(s) {
			return "text shaped like an encoded word is encoded"
		}
	}
	if swallowsLF(m.Text) || swallowsLF(m.HTML) {
		return "mime/quotedprintable loses a line break"
	}
	return ""
}

// unfold returns the header block of raw with folding undone, and the
// body after it.
func unfold(raw []byte) (string, string) {
	head, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	head = strings.ReplaceAll(head, "\r\n ", " ")
	return strings.ReplaceAll(head, "\r\n\t", "\t"), body
}

// TestWriterMatchesLegacy compares the writer with the go-mail encoder it
// replaced, on random messages: the same bytes, except where a field is
// long (it folds at other spaces, and its encoded words are split so that
// the first fits on the field's first line, where go-mail folded right
// after the colon) and the documented differences of legacyDiffers — and
// there a reader must get the same fields and bodies from both. The
// legacy encoder refused values it could not fold, which the writer
// encodes. Every message must read back as written.
func TestWriterMatchesLegacy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	same, refolded := 0, 0
	for i := range n {
		m := randomMessage(r)
		got, err := m.AppendTo(nil)
		if err != nil {
			t.Fatalf("message %d: %v\n%+v", i, err, m)
		}
		checkDecodes(t, m, got)
		want, lerr := m.legacyEncode()
		if lerr != nil {
			if !strings.Contains(lerr.Error(), "line of") {
				t.Fatalf("message %d: legacy encoder: %v, writer: none", i, lerr)
			}
			continue
		}
		if bytes.Equal(got, want) {
			same++
			continue
		}
		if why := legacyDiffers(m); why != "" {
			continue
		}
		gh, gb := unfold(got)
		wh, wb := unfold(want)
		if gh == wh && gb == wb {
			refolded++
			continue
		}
		if !readsBack(m, want) {
			continue // go-mail folded inside a run of spaces, which readers collapse
		}
		g, w := decode(t, got), decode(t, want)
		g.rawHead, w.rawHead, g.all, w.all = "", "", nil, nil
		for _, d := range []decoded{g, w} {
			for k, v := range d.text { // readers trim what is not encoded
				d.text[k] = strings.Trim(v, " \t")
			}
		}
		if diff := diffDecoded(g, w); diff != "" || !longField(gh) {
			t.Fatalf("message %d differs from the legacy encoder's beyond folding: %s\n%s", i, diff, firstDiff(string(got), string(want)))
		}
		refolded++
	}
	t.Logf("%d messages: %d identical, %d folded differently", n, same, refolded)
	if same < n/2 {
		t.Errorf("only %d of %d messages are identical to the legacy encoder's", same, n)
	}
}

// diffDecoded names what differs between two decoded messages.
func diffDecoded(g, w decoded) string {
	switch {
	case !reflect.DeepEqual(g.names, w.names):
		return fmt.Sprintf("fields %q, legacy %q", g.names, w.names)
	case !reflect.DeepEqual(g.addrs, w.addrs):
		return fmt.Sprintf("addresses %q, legacy %q", g.addrs, w.addrs)
	case !reflect.DeepEqual(g.parts, w.parts):
		return "bodies"
	}
	for k, v := range g.text {
		if w.text[k] != v {
			return fmt.Sprintf("%s %q, legacy %q", k, v, w.text[k])
		}
	}
	return ""
}

// readsBack reports whether net/mail reads the subject and extra header
// values of m back from raw.
func readsBack(m Message, raw []byte) bool {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return false
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !literal(subject, m.Subject) {
		return false
	}
	seen := map[string]int{}
	for _, h := range m.Headers {
		values := msg.Header[textproto.CanonicalMIMEHeaderKey(h[0])]
		k := seen[h[0]]
		seen[h[0]]++
		if k >= len(values) {
			return false
		}
		v, err := dec.DecodeHeader(values[k])
		if err != nil || !literal(v, h[1]) {
			return false
		}
	}
	return true
}

// longField reports whether an unfolded header block has a field longer
// than a line of foldAt octets, which is where the writer and go-mail
// fold and split differently.
func longField(head string) bool {
	for line := range strings.SplitSeq(head, "\r\n") {
		if len(line) > foldAt && !strings.HasPrefix(line, "Content-Type:") {
			return true
		}
	}
	return false
}

// randomMessage makes a message of random pieces: the kinds of text that
// reach a header or a body.
func randomMessage(r *rand.Rand) Message {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	text := func() string {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pick("Zoë", "sale", "20%", "off", "the", "=", "?", "_", "=?", "?=", "\t", " ", "  ",
				"€", "\x7f", "\xff", "(x)", `"q"`, `\`, "a.b", strings.Repeat("w", r.IntN(120)), "日本語"))
			if r.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	body := func() string {
		var b strings.Builder
		for range r.IntN(40) {
			b.WriteString(pick("<p>", "</p>", "a=b", " ", "\t", "\n", "\r\n", "\r", "é", "\x00", "x",
				strings.Repeat("long ", r.IntN(30)), strings.Repeat("y", r.IntN(200)), "--offermail-"))
		}
		return b.String()
	}
	m := Message{
		From:      pick("shop@example.com", "Shop <shop@example.com>", `"Zoë \"Z\" Café" <z@example.com>`, "=?utf-8?q?Zo=C3=AB?= <z@example.com>", `"a.b, c" <ab@example.com>`),
		To:        pick("ann@example.org", "Ann Lee <ann@example.org>", `"odd..local"@example.org`, "x+tag@sub.example.org"),
		Subject:   text(),
		Date:      time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, time.FixedZone("", 3600*(r.IntN(25)-12))),
		MessageID: MessageID(fmt.Sprint(r.Int()), "x@example.com"),
		Text:      body(),
		HTML:      body(),
	}
	if r.IntN(2) == 0 {
		m.ReplyTo = pick("help@example.com", "Help <help@example.com>", "Hélp Désk <help@example.com>")
	}
	if r.IntN(2) == 0 {
		m.Unsubscribe = pick("https://x.example/u?id=1", "mailto:u@x.example", "https://x.example/"+strings.Repeat("p", r.IntN(90)))
	}
	for range r.IntN(3) {
		m.Headers = append(m.Headers, [2]string{pick("X-A", "X-Campaign-Type", "X-Long-Header-Name"), text()})
	}
	if r.IntN(3) == 0 {
		m.Headers = append(m.Headers, [2]string{"X-A", "x"}) // a name twice
	}
	return m
}
